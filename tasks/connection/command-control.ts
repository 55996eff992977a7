// What both transports do the same way around a running command: feed its stdin in the order
// sudo needs (the prompt's answer first, then the data) and follow its abort signal (end stdin,
// wait for the command, cut it off when it outlives its grace).
import { ABORT_MARGIN_MS, DEFAULT_GRACE_MS, type ExecOptions, type ExecResult } from './connection.js';

/** Where a command's stdin goes: an SSH channel or a local process's pipe. */
export interface StdinSink {
  write(data: string | Uint8Array): void;
  end(): void;
}

/** Sends a command's stdin as its ExecOptions ask. */
export class StdinFeed {
  #ended = false;

  constructor(
    private readonly sink: StdinSink,
    private readonly options: ExecOptions,
  ) {}

  /** Once the command started: without a prompt to answer, the data goes now. */
  start(): void {
    if (!this.options.responder) this.send();
  }

  /** When the prompt came: the answer goes first (sudo reads it line by line), then the data. */
  answer(): void {
    if (this.#ended) return;
    this.sink.write(`${this.options.responder!.answer}\n`);
    this.send();
  }

  /** Ends stdin now: a guarded command's liveness signal. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.sink.end();
  }

  private send(): void {
    if (this.#ended) return;
    const data = this.options.stdin;
    if (data !== undefined && data.length > 0) this.sink.write(data);
    if (!this.options.holdStdin) this.end();
  }
}

/**
 * Follows `options.signal`: `stop` when it aborts (at once if it already has), `cutOff` if the
 * command still runs its grace plus {@link ABORT_MARGIN_MS} later. Returns the function that
 * stops following it (call it when the command has ended).
 */
export function followAbort(options: ExecOptions, stop: () => void, cutOff: () => void): () => void {
  const { signal } = options;
  if (!signal) return () => undefined;
  let backstop: NodeJS.Timeout | undefined;
  const onAbort = (): void => {
    stop();
    backstop = setTimeout(cutOff, (options.graceMs ?? DEFAULT_GRACE_MS) + ABORT_MARGIN_MS);
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  return () => {
    signal.removeEventListener('abort', onAbort);
    clearTimeout(backstop);
  };
}

/** The result of a command whose signal was aborted before it started: it never ran. */
export const NOT_STARTED: ExecResult = { exitCode: null, signal: null, stdout: '', stderr: '', stopped: 'aborted' };
