// One command on an open SSH exec channel: output decoded as it streams, sudo's prompt answered,
// stdin data sent over the channel, a timeout decided by our own timer, and an abort that ends
// stdin and waits for the command (and its cleanup) to end.
import type { ClientChannel } from 'ssh2';
import { followAbort, StdinFeed } from './command-control.js';
import type { ExecOptions, ExecResult, StopReason } from './connection.js';
import { OutputCollector, OutputDecoder } from './output-decoder.js';
import { PromptWatcher } from './prompt-watcher.js';

/** Runs the command the channel was opened for; `closed` tells whether the connection was closed under it. */
export function runOnChannel(channel: ClientChannel, options: ExecOptions, closed: () => boolean): Promise<ExecResult> {
  return new Promise((resolve) => {
    const output = new OutputCollector(options.onData);
    const decoder = new OutputDecoder();
    const feed = new StdinFeed({ write: (data) => channel.write(data), end: () => channel.end() }, options);
    let exitCode: number | null = null;
    let signal: string | null = null;
    let stopped: StopReason | null = null;
    let cutOff = false;
    const prompts = options.responder ? new PromptWatcher(options.responder.prompt) : undefined;
    // Closing the channel ends the command's stdin, on which the context's remote guard kills the
    // command's whole session. No signal request: sshd sends it to the process group, which
    // would kill the guard's watcher first and leave the command running.
    const stop = (reason: StopReason): void => {
      stopped ??= reason;
      cutOff = true;
      channel.close();
    };
    const stdout = (s: string): void => output.add('stdout', s);
    const stderr = (s: string): void => output.add('stderr', s);
    channel.on('data', (chunk: Buffer) => stdout(decoder.write('stdout', chunk)));
    channel.stderr.on('data', (chunk: Buffer) => {
      const decoded = decoder.write('stderr', chunk);
      const { text, seen } = prompts ? prompts.feed(decoded) : { text: decoded, seen: 0 };
      if (seen > 0 && prompts!.total === seen) feed.answer();
      if (prompts && prompts.total > 1) stop('answer-refused');
      stderr(text);
    });
    channel.on('exit', (code: number | null, sig?: string) => {
      exitCode = code;
      signal = sig ?? null;
    });
    let settled = false;
    const settle = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unfollow();
      if (closed()) stopped ??= 'closed';
      stdout(decoder.end('stdout'));
      const rest = decoder.end('stderr');
      stderr(prompts ? prompts.feed(rest).text + prompts.flush() : rest);
      const ended = stopped === null || (stopped === 'aborted' && !cutOff);
      resolve({ exitCode: ended ? exitCode : null, signal: ended ? signal : null, stdout: output.text('stdout'), stderr: output.text('stderr'), stopped });
    };
    // Our own timer decides a timeout; sshd may keep a channel open until its process ends, so it settles at once.
    const timer = options.timeoutMs === undefined ? undefined : setTimeout(() => {
      stop('timeout');
      settle();
    }, options.timeoutMs);
    // An abort ends stdin only: the guard's session gets TERM and the channel closes when the command has ended.
    const unfollow = followAbort(
      options,
      () => {
        stopped ??= 'aborted';
        feed.end();
      },
      () => {
        stop('aborted');
        settle();
      },
    );
    channel.on('close', settle);
    feed.start();
  });
}
