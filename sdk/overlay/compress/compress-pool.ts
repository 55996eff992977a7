import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CodecChoice } from './codecs.js';
import type { CompressReply, CompressRequest, WorkerMessage } from './compress-worker.js';
import { CompressWorkerError } from './errors.js';
import { exactCopy } from './exact-copy.js';

interface Task {
  request: CompressRequest;
  resolve: (data: Buffer) => void;
  reject: (error: Error) => void;
}

/** The worker module is this module's sibling: .js when built, .ts when the sources run under tsx. */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./compress-worker.js', import.meta.url));
  // tsx's --import hooks do not reach worker threads (privatenumber/tsx#354): register them in the worker first.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./compress-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${worker}); })`, { eval: true });
}

/**
 * Compresses blobs on worker threads, one blob per worker at a time, so blobs compress in parallel
 * (measured on this 2-core host, xz -6, four 4 MiB blobs of guest memory: 9.2 s on one thread,
 * 4.8 s on two workers). lzma-native's async mode reaches the same speed on libuv's pool, but that
 * pool also serves every file read and write, and zstd bindings compress synchronously.
 * Each blob is copied once into a buffer of its own, which is moved to the worker (exact-copy.ts);
 * a copy costs milliseconds against seconds of xz.
 * Workers start on first use and are unreferenced while idle, so a forgotten pool does not keep
 * the process alive; close() ends them, and should be awaited before the process exits.
 *
 * @example
 * const pool = new CompressPool();
 * const xz = await pool.compress(blob, { codec: 'xz', level: 6 });
 * await pool.close();
 */
export class CompressPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size ${size} is not a positive integer`);
  }

  compress(data: Buffer, choice: CodecChoice): Promise<Buffer> {
    if (this.closed) return Promise.reject(new CompressWorkerError('pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request: { type: 'compress', id: this.nextId++, data, codec: choice.codec, level: choice.level }, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Ends all workers; queued and running compressions reject. Each worker finishes the blob at hand
   * and exits by itself (see compress-worker.ts for why it is not terminated).
   */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new CompressWorkerError('pool closed');
    for (const task of this.queue.splice(0)) task.reject(failure);
    for (const task of this.busy.values()) task.reject(failure);
    const workers = [...this.idle.splice(0), ...this.busy.keys()];
    this.busy.clear();
    await Promise.all(
      workers.map((worker) => {
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.ref();
        worker.postMessage({ type: 'close' } satisfies WorkerMessage);
        return exited;
      }),
    );
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      const worker = this.idle.pop() ?? (this.idle.length + this.busy.size < this.size ? this.spawn() : undefined);
      if (worker === undefined) return;
      const task = this.queue.shift()!;
      this.busy.set(worker, task);
      worker.ref();
      const bytes = exactCopy(task.request.data);
      worker.postMessage({ ...task.request, data: bytes }, [bytes.buffer]);
    }
  }

  private spawn(): Worker {
    const worker = startWorker();
    worker.on('message', (reply: CompressReply) => {
      const task = this.busy.get(worker);
      if (task === undefined || task.request.id !== reply.id) return;
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if ('error' in reply) task.reject(new CompressWorkerError(reply.error));
      else task.resolve(Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.length));
      this.dispatch();
    });
    worker.on('error', (error) => this.lose(worker, new CompressWorkerError(error.message, { cause: error })));
    worker.on('exit', (code) => this.lose(worker, new CompressWorkerError(`worker exited with code ${code}`)));
    return worker;
  }

  /** A worker died: its task fails, it leaves the pool, and queued work goes to a fresh one. */
  private lose(worker: Worker, error: CompressWorkerError): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    task?.reject(error);
    if (!this.closed) this.dispatch();
  }
}
