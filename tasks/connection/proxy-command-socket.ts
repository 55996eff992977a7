// A host's ProxyCommand as the SSH transport: the command runs under `sh -c 'exec ...'`, as
// OpenSSH runs it, and its stdin and stdout become the socket ssh2 talks over. Its stderr
// is kept for the error message when the connection fails.
import { spawn } from 'node:child_process';
import { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ProxySocket {
  readonly command: string;
  readonly sock: Duplex;
  /** How the command ended, waiting a moment for it to; undefined while it still runs. */
  outcome(): Promise<string | undefined>;
  close(): void;
}

const STDERR_KEEP = 2000;

export function openProxyCommand(command: string): ProxySocket {
  const child = spawn('/bin/sh', ['-c', `exec ${command}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-STDERR_KEEP)));
  const said = (): string => {
    const tail = stderr.trim().split('\n').slice(-3).join(' | ');
    return tail ? `: ${tail}` : '';
  };
  const ended = new Promise<string>((resolve) => {
    child.on('error', (error) => resolve(`could not start: ${error.message}`));
    child.on('close', (code, signal) => resolve(`${code !== null ? `exited with code ${code}` : `was killed by ${signal}`}${said()}`));
  });
  const sock = Duplex.from({ readable: child.stdout, writable: child.stdin });
  // Writing to a command that has ended fails with EPIPE; how it ended is what gets reported.
  sock.on('error', () => undefined);
  // ssh2 gives up on a socket error at once; on a mere end it would wait for its timeout.
  void ended.then(() => sock.destroy(new Error('the ProxyCommand ended')));
  return {
    command,
    sock,
    outcome: () => Promise.race([ended, sleep(1000, undefined, { ref: false })]),
    close() {
      sock.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill();
    },
  };
}
