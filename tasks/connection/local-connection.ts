// The local transport: shell text run by /bin/sh on the operator's machine through zx's `$`
// (Fabric's `c.local`), under the same contract as SSH: streamed output, stdin data, one
// answered prompt, a timeout decided by our own timer, put and get as file copies, putRange as
// a positioned file write. It backs `ctx.local` and lets a task context be tested without sshd.
import { createWriteStream } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { dirname } from 'node:path';
import { $, type ProcessPromise } from 'zx/core';
import { quoteWord } from '../../native/shell-quote.js';
import { TransferError } from '../errors.js';
import type { HostTarget } from '../inventory/host-target.js';
import { pipeRange } from '../transfer/range-pipeline.js';
import type { Connection, ExecOptions, ExecResult, PutRangeOptions, StopReason } from './connection.js';
import { OutputCollector, OutputDecoder } from './output-decoder.js';
import { PromptWatcher } from './prompt-watcher.js';

/** zx with POSIX sh and our quoting: no bash, no `set -euo pipefail` prefix, nothing printed, no throw. */
const shell = $({ shell: '/bin/sh', prefix: '', postfix: '', quote: quoteWord, nothrow: true, quiet: true, verbose: false });

/** The operator's machine as a host: what events and errors name it by. */
export function localHost(name = 'local'): HostTarget {
  return { name, address: 'localhost', port: 0, user: userInfo().username, identityFiles: [], jumps: [], knownHostsFiles: [], vars: {}, groups: [] };
}

/** Opens the local transport; `host` names it in events (default: a host called 'local'). */
export function connectLocal(host: HostTarget = localHost()): Connection {
  return new LocalConnection(host);
}

class LocalConnection implements Connection {
  readonly #running = new Set<(reason: StopReason) => void>();

  constructor(readonly host: HostTarget) {}

  exec(text: string, options: ExecOptions): Promise<ExecResult> {
    // `exec`: the command is the process zx started, so its exit code and signal are the command's own.
    const child = shell`exec sh -c ${text}`;
    return new Promise((resolve) => {
      const output = new OutputCollector(options.onData);
      const decoder = new OutputDecoder();
      const prompts = options.responder ? new PromptWatcher(options.responder.prompt) : undefined;
      let stopped: StopReason | null = null;
      let settled = false;
      const stdout = (s: string): void => output.add('stdout', s);
      const stderr = (s: string): void => output.add('stderr', s);
      const settle = (exitCode: number | null, signal: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#running.delete(stop);
        stdout(decoder.end('stdout'));
        const rest = decoder.end('stderr');
        stderr(prompts ? prompts.feed(rest).text + prompts.flush() : rest);
        resolve({ exitCode: stopped ? null : exitCode, signal: stopped ? null : signal, stdout: output.text('stdout'), stderr: output.text('stderr'), stopped });
      };
      // Like a closed SSH channel: stdin ends (a guarded command's watcher stops its session), the
      // process tree is killed, and the result is settled at once, even if a stray process holds a pipe.
      const stop = (reason: StopReason): void => {
        if (settled) return;
        stopped ??= reason;
        child.stdin.end();
        void killTree(child);
        settle(null, null);
      };
      this.#running.add(stop);
      child.stdout.on('data', (chunk: Buffer) => stdout(decoder.write('stdout', chunk)));
      child.stderr.on('data', (chunk: Buffer) => {
        const decoded = decoder.write('stderr', chunk);
        const { text: shown, seen } = prompts ? prompts.feed(decoded) : { text: decoded, seen: 0 };
        if (seen > 0 && prompts!.total === seen) {
          child.stdin.write(`${options.responder!.answer}\n`);
          if (!options.holdStdin) child.stdin.end(options.stdin ?? '');
        }
        stderr(shown);
        if (prompts && prompts.total > 1) stop('answer-refused');
      });
      // A command that exits without reading its stdin must not turn our write into an error.
      child.stdin.on('error', () => undefined);
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
      if (!options.responder && !options.holdStdin) child.stdin.end(options.stdin ?? '');
      void child.then((output) => settle(output.exitCode, output.signal));
    });
  }

  async put(localPath: string, remotePath: string): Promise<void> {
    await this.copy('put', localPath, remotePath, localPath, remotePath);
  }

  async putRange(localPath: string, remotePath: string, options: PutRangeOptions): Promise<void> {
    try {
      await pipeRange(localPath, options, createWriteStream(remotePath, { flags: options.start > 0 ? 'r+' : 'w', start: options.start, mode: 0o600 }));
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason;
      throw new TransferError(this.host.name, 'put', localPath, remotePath, (error as Error).message, { cause: error });
    }
  }

  async get(remotePath: string, localPath: string): Promise<void> {
    await this.copy('get', localPath, remotePath, remotePath, localPath);
  }

  /** Stops every command still running (an interrupted run). */
  async close(): Promise<void> {
    for (const stop of [...this.#running]) stop('closed');
  }

  private async copy(direction: 'put' | 'get', localPath: string, remotePath: string, from: string, to: string): Promise<void> {
    try {
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, to);
    } catch (error) {
      throw new TransferError(this.host.name, direction, localPath, remotePath, (error as Error).message, { cause: error });
    }
  }
}

/** Kills the command and everything it started (zx walks the process tree with `ps`); the command alone if `ps` is missing. */
async function killTree(child: ProcessPromise): Promise<void> {
  try {
    await child.kill('SIGKILL');
  } catch {
    try {
      child.child?.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
