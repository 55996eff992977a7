/**
 * `cloudlet serve` as a child process for tests (so it can be killed with SIGKILL): started on a
 * free loopback port, resolved once its `listening` log line says where and with which
 * certificate; its JSON log lines are collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:tls';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../../sdk/cli.js', import.meta.url));

export interface ServeProcess {
  url: string;
  port: number;
  fingerprint: string;
  child: ChildProcess;
  /** The JSON lines it logged so far. */
  logs(): Array<Record<string, unknown>>;
  stdout(): string;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

export function startServe(cloudletDir: string, args: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--cloudlet-dir', cloudletDir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const logs = () => stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Record<string, unknown>);
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const listening = logs().find((line) => line.event === 'listening');
      if (listening) resolve({
        url: listening.url as string,
        port: Number(new URL(listening.url as string).port),
        fingerprint: listening.fingerprint as string,
        child,
        logs,
        stdout: () => stdout,
        stop: async () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
    void exited.then((code) => reject(new Error(`cloudlet serve exited (${code}) before listening: ${stderr}`)));
  });
}

/** What came back on a raw TLS connection to `port` that sent `head` (and `body`, if any) and then waited for the server to close. */
export function rawExchange(port: number, head: string, body?: Buffer, options: { closeAfterMs?: number; onConnected?: (socket: ReturnType<typeof connect>) => void } = {}): Promise<{ text: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false });
    let text = '';
    let closedByUs = false;
    socket.once('secureConnect', () => {
      socket.write(head);
      if (body) socket.write(body);
      options.onConnected?.(socket);
    });
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('error', (error) => (closedByUs ? undefined : reject(error)));
    const timer = setTimeout(() => {
      closedByUs = true;
      socket.destroy();
    }, options.closeAfterMs ?? 10_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ text, closedByServer: !closedByUs });
    });
  });
}
