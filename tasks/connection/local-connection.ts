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
import { followAbort, NOT_STARTED, StdinFeed } from './command-control.js';
import { DEFAULT_GRACE_MS, type Connection, type ExecOptions, type ExecResult, type PutRangeOptions, type StopReason } from './connection.js';
import { OutputCollector, OutputDecoder } from './output-decoder.js';
import { PromptWatcher } from './prompt-watcher.js';

/**
 * zx with POSIX sh and our quoting: no bash, no `set -euo pipefail` prefix, nothing printed, no
 * throw. Detached: each command is a process group of its own, which an abort signals as a whole
 * and the terminal's Ctrl-C does not reach (the runner decides how a command is stopped).
 */
const shell = $({ shell: '/bin/sh', prefix: '', postfix: '', quote: quoteWord, nothrow: true, quiet: true, verbose: false, detached: true });

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
    if (options.signal?.aborted) return Promise.resolve(NOT_STARTED);
    // `exec`: the command is the process zx started, so its exit code and signal are the command's own.
    const child = shell`exec sh -c ${text}`;
    return new Promise((resolve) => {
      const output = new OutputCollector(options.onData);
      const decoder = new OutputDecoder();
      const prompts = options.responder ? new PromptWatcher(options.responder.prompt) : undefined;
      const feed = new StdinFeed({ write: (data) => child.stdin.write(data), end: () => child.stdin.end() }, options);
      let stopped: StopReason | null = null;
      let cutOff = false;
      let settled = false;
      let kill: NodeJS.Timeout | undefined;
      const stdout = (s: string): void => output.add('stdout', s);
      const stderr = (s: string): void => output.add('stderr', s);
      const settle = (exitCode: number | null, signal: string | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        clearTimeout(kill);
        unfollow();
        this.#running.delete(stop);
        stdout(decoder.end('stdout'));
        const rest = decoder.end('stderr');
        stderr(prompts ? prompts.feed(rest).text + prompts.flush() : rest);
        const ended = stopped === null || (stopped === 'aborted' && !cutOff);
        resolve({ exitCode: ended ? exitCode : null, signal: ended ? signal : null, stdout: output.text('stdout'), stderr: output.text('stderr'), stopped });
      };
      // Like a closed SSH channel: stdin ends (a guarded command's watcher stops its session), the
      // process tree is killed, and the result is settled at once, even if a stray process holds a pipe.
      const stop = (reason: StopReason): void => {
        if (settled) return;
        stopped ??= reason;
        cutOff = true;
        feed.end();
        void killTree(child);
        settle(null, null);
      };
      this.#running.add(stop);
      child.stdout.on('data', (chunk: Buffer) => stdout(decoder.write('stdout', chunk)));
      child.stderr.on('data', (chunk: Buffer) => {
        const decoded = decoder.write('stderr', chunk);
        const { text: shown, seen } = prompts ? prompts.feed(decoded) : { text: decoded, seen: 0 };
        if (seen > 0 && prompts!.total === seen) feed.answer();
        stderr(shown);
        if (prompts && prompts.total > 1) stop('answer-refused');
      });
      // A command that exits without reading its stdin must not turn our write into an error.
      child.stdin.on('error', () => undefined);
      const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => stop('timeout'), options.timeoutMs);
      // As Ctrl-C in a terminal would: a guarded command's watcher reads the end of stdin; any
      // other command gets TERM in its process group (it was started as one), KILL after its grace.
      const unfollow = followAbort(
        options,
        () => {
          stopped ??= 'aborted';
          feed.end();
          if (options.holdStdin) return;
          signalGroup(child, 'SIGTERM');
          kill = setTimeout(() => signalGroup(child, 'SIGKILL'), options.graceMs ?? DEFAULT_GRACE_MS);
          // What its cleanup left in the group goes with it, as the remote guard does.
          child.child?.once('exit', () => signalGroup(child, 'SIGKILL'));
        },
        () => stop('aborted'),
      );
      feed.start();
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

/** Sends `signal` to the command's process group; nothing if it is gone. */
function signalGroup(child: ProcessPromise, signal: NodeJS.Signals): void {
  const pid = child.child?.pid;
  try {
    if (pid !== undefined) process.kill(-pid, signal);
  } catch {
    // already gone
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
