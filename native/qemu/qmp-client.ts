/**
 * A dependency-free QMP client over a unix socket.
 *
 * Protocol (docs/interop/qmp-spec): QEMU sends a greeting `{"QMP": {...}}`, the client must send
 * `qmp_capabilities` before any other command; after that every line is JSON, either a reply
 * `{"return"|"error": ..., "id"}` to a command or an asynchronous `{"event": ...}`.
 */
import { createConnection, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  QmpClosedError,
  QmpCommandError,
  QmpConnectionError,
  QmpProtocolError,
  QmpTimeoutError,
} from './qmp-errors.js';

export interface QmpGreeting {
  version: { qemu: { major: number; minor: number; micro: number }; package: string };
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

interface Pending {
  command: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 60_000;

export class QmpClient {
  readonly #socket: Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Set<(event: QmpEvent) => void>();
  #greetingWaiter: ((greeting: QmpGreeting) => void) | undefined;
  #nextId = 1;
  #partial = '';
  #closed = false;
  #greeting: QmpGreeting | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => this.#onData(text));
    socket.on('close', () => this.#onClose());
    socket.on('error', () => this.#socket.destroy());
  }

  /**
   * Connects to a QMP socket (retrying while QEMU has not created it yet), reads the greeting and
   * negotiates capabilities.
   *
   * @example
   * const qmp = await QmpClient.connect('/run/vm/qmp.sock');
   * const status = await qmp.execute<{ status: string }>('query-status');
   */
  static async connect(socketPath: string, options: { timeoutMs?: number } = {}): Promise<QmpClient> {
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    const socket = await connectWithRetry(socketPath, deadline);
    const client = new QmpClient(socket);
    try {
      client.#greeting = await client.#waitForGreeting(Math.max(deadline - Date.now(), 1));
      await client.execute('qmp_capabilities');
    } catch (error) {
      await client.close();
      throw new QmpConnectionError(socketPath, 'no QMP greeting', { cause: error });
    }
    return client;
  }

  get greeting(): QmpGreeting {
    if (!this.#greeting) throw new QmpClosedError('greeting');
    return this.#greeting;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs one command; resolves with its `return` value, rejects with QmpCommandError on `error`. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.#closed) return Promise.reject(new QmpClosedError(command));
    const id = this.#nextId++;
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new QmpTimeoutError(`reply to ${command}`, timeoutMs));
      }, timeoutMs);
      this.#pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      const message = args === undefined ? { execute: command, id } : { execute: command, arguments: args, id };
      this.#socket.write(`${JSON.stringify(message)}\n`);
    });
  }

  /** Calls `listener` for every event from now on; returns the unsubscribe function. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Resolves with the next event named `name` (and accepted by `match`). Create it before the action that causes it. */
  waitForEvent(name: string, options: { timeoutMs?: number; match?: (event: QmpEvent) => boolean } = {}): Promise<QmpEvent> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    return new Promise<QmpEvent>((resolve, reject) => {
      if (this.#closed) return reject(new QmpClosedError(`event ${name}`));
      const done = (error: Error | undefined, event?: QmpEvent) => {
        clearTimeout(timer);
        unsubscribe();
        this.#socket.off('close', onClose);
        if (error) reject(error);
        else resolve(event!);
      };
      const onClose = () => done(new QmpClosedError(`event ${name}`));
      const timer = setTimeout(() => done(new QmpTimeoutError(`event ${name}`, timeoutMs)), timeoutMs);
      const unsubscribe = this.onEvent((event) => {
        if (event.event === name && (options.match?.(event) ?? true)) done(undefined, event);
      });
      this.#socket.once('close', onClose);
    });
  }

  /** Closes the socket; pending commands reject with QmpClosedError. */
  async close(): Promise<void> {
    if (this.#socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.#socket.once('close', () => resolve());
      this.#socket.destroy();
    });
  }

  #waitForGreeting(timeoutMs: number): Promise<QmpGreeting> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new QmpTimeoutError('QMP greeting', timeoutMs)), timeoutMs);
      this.#socket.once('close', () => reject(new QmpClosedError('QMP greeting')));
      this.#greetingWaiter = (greeting) => {
        clearTimeout(timer);
        resolve(greeting);
      };
    });
  }

  #onData(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() !== '') this.#onLine(line.trim());
    }
  }

  #onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return this.#fail(new QmpProtocolError(line, 'not JSON'));
    }
    if (typeof message !== 'object' || message === null) return this.#fail(new QmpProtocolError(line, 'not an object'));
    if ('QMP' in message) {
      this.#greetingWaiter?.(message.QMP as QmpGreeting);
      this.#greetingWaiter = undefined;
    } else if ('event' in message) {
      for (const listener of [...this.#listeners]) listener(message as unknown as QmpEvent);
    } else if ('id' in message && typeof message.id === 'number') {
      this.#settle(message.id, message, line);
    } else {
      this.#fail(new QmpProtocolError(line, 'reply without a known id'));
    }
  }

  #settle(id: number, message: Record<string, unknown>, line: string): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    if ('return' in message) return pending.resolve(message.return);
    const error = message.error as { class?: string; desc?: string } | undefined;
    if (error) return pending.reject(new QmpCommandError(pending.command, error.class ?? '?', error.desc ?? ''));
    pending.reject(new QmpProtocolError(line, 'reply has neither return nor error'));
  }

  #fail(error: Error): void {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.#pending.clear();
    this.#socket.destroy();
  }

  #onClose(): void {
    this.#closed = true;
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new QmpClosedError(pending.command));
    }
    this.#pending.clear();
  }
}

async function connectWithRetry(socketPath: string, deadline: number): Promise<Socket> {
  for (;;) {
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = createConnection(socketPath);
        socket.once('connect', () => {
          socket.off('error', reject);
          resolve(socket);
        });
        socket.once('error', reject);
      });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // QEMU creates the socket a few ms after it starts; anything else is a real failure.
      if ((code !== 'ENOENT' && code !== 'ECONNREFUSED') || Date.now() > deadline) {
        throw new QmpConnectionError(socketPath, code ?? String(error), { cause: error });
      }
      await sleep(25);
    }
  }
}
