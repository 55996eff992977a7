import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { BlobCodec } from '../package/index.js';
import type { CodecChoice } from './codecs.js';
import type { CodecReply, CompressRequest, DecompressRequest, ErrorRecord, WorkerMessage } from './codec-worker.js';
import * as errors from './errors.js';
import { CodecWorkerError } from './errors.js';
import { exactCopy } from './exact-copy.js';

interface Task {
  request: CompressRequest | DecompressRequest;
  resolve: (data: Buffer) => void;
  reject: (error: Error) => void;
}

/**
 * The worker module is this module's sibling: .js when built, .ts when the sources run under tsx.
 * Workers inherit the process's Node flags, and `--input-type` (a script given with `-e`) makes a
 * worker refuse to start: it is left out.
 */
function startWorker(): Worker {
  const execArgv = process.execArgv.filter((arg) => !arg.startsWith('--input-type'));
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./codec-worker.js', import.meta.url), { execArgv });
  // tsx's --import hooks do not reach worker threads (privatenumber/tsx#354): register them in the worker first.
  const tsx = JSON.stringify(import.meta.resolve('tsx/esm/api'));
  const worker = JSON.stringify(new URL('./codec-worker.ts', import.meta.url).href);
  return new Worker(`import(${tsx}).then(({ register }) => { register(); return import(${worker}); })`, { eval: true, execArgv });
}

/**
 * Compresses and decompresses blobs on worker threads, one blob per worker at a time, so blobs compress in parallel
 * (measured on this 2-core host, xz -6, four 4 MiB blobs of guest memory: 9.2 s on one thread,
 * 4.8 s on two workers). lzma-native's async mode reaches the same speed on libuv's pool, but that
 * pool also serves every file read and write, and zstd bindings compress synchronously.
 * Decompressing there keeps the decoders' stream plumbing (a third of the cost with lzma-native)
 * off the thread that applies items. Each blob is copied once into a buffer of its own, which is
 * moved to the worker (exact-copy.ts); a copy costs milliseconds against seconds of xz.
 * Workers start on first use and are unreferenced while idle, so a forgotten pool does not keep
 * the process alive; close() ends them, and should be awaited before the process exits.
 *
 * @example
 * const pool = new CodecPool();
 * const xz = await pool.compress(blob, { codec: 'xz', level: 6 });
 * await pool.close();
 */
export class CodecPool {
  private readonly idle: Worker[] = [];
  private readonly busy = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly size: number = availableParallelism()) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`pool size ${size} is not a positive integer`);
  }

  compress(data: Buffer, choice: CodecChoice): Promise<Buffer> {
    return this.submit({ type: 'compress', id: this.nextId++, data, codec: choice.codec, level: choice.level });
  }

  /**
   * Decompresses a whole blob (its compressed bytes, already verified) under decompressBlob's caps,
   * into one buffer of its declared size. The blob errors of decompressBlob come back as themselves.
   *
   * @example const items = await pool.decompress(compressed, blob);
   */
  decompress(data: Buffer, blob: { name: string; codec: BlobCodec; uncompressedSize: number; limit?: number }): Promise<Buffer> {
    return this.submit({ type: 'decompress', id: this.nextId++, data, blob });
  }

  private submit(request: CompressRequest | DecompressRequest): Promise<Buffer> {
    if (this.closed) return Promise.reject(new CodecWorkerError('pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /**
   * Ends all workers; queued and running compressions reject. Each worker finishes the blob at hand
   * and exits by itself (see codec-worker.ts for why it is not terminated).
   */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new CodecWorkerError('pool closed');
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
    worker.on('message', (reply: CodecReply) => {
      const task = this.busy.get(worker);
      if (task === undefined || task.request.id !== reply.id) return;
      this.busy.delete(worker);
      worker.unref();
      this.idle.push(worker);
      if ('error' in reply) task.reject(reviveError(reply.error));
      else task.resolve(Buffer.from(reply.data.buffer, reply.data.byteOffset, reply.data.length));
      this.dispatch();
    });
    worker.on('error', (error) => this.lose(worker, new CodecWorkerError(error.message, { cause: error })));
    worker.on('exit', (code) => this.lose(worker, new CodecWorkerError(`worker exited with code ${code}`)));
    return worker;
  }

  /** A worker died: its task fails, it leaves the pool, and queued work goes to a fresh one. */
  private lose(worker: Worker, error: CodecWorkerError): void {
    const task = this.busy.get(worker);
    this.busy.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
    task?.reject(error);
    if (!this.closed) this.dispatch();
  }
}

/** A blob error from the worker as its own class (fields restored); anything else as CodecWorkerError. */
function reviveError(record: ErrorRecord): Error {
  const known = (errors as Record<string, unknown>)[record.name];
  if (typeof known !== 'function' || !(known.prototype instanceof errors.BlobCodecError) || known === CodecWorkerError) {
    return new CodecWorkerError(`${record.name}: ${record.message}`);
  }
  const error = Object.create(known.prototype as object) as Error;
  Object.assign(error, record.fields, { message: record.message });
  return error;
}
