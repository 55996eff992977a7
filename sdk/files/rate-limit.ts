/**
 * A token bucket as a stream stage: bytes pass at `bytesPerSecond` on average, in bursts of at
 * most a quarter second's worth, so an upload leaves the link's rest to other work. The runner's
 * uploads over SSH and the synthesis server's client use it.
 */
import { Transform, type TransformCallback } from 'node:stream';

const BURST_SECONDS = 0.25;

/** Passes bytes through at most `bytesPerSecond` (a positive number) on average. */
export class RateLimit extends Transform {
  readonly #capacity: number;
  // Empty at first: the first bytes wait like the rest, so even a short transfer keeps the rate.
  #tokens = 0;
  #last = Date.now();
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly bytesPerSecond: number) {
    super();
    this.#capacity = Math.max(1, Math.floor(bytesPerSecond * BURST_SECONDS));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#pass(chunk, done);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    clearTimeout(this.#timer);
    callback(error);
  }

  #pass(chunk: Buffer, done: TransformCallback): void {
    const now = Date.now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + ((now - this.#last) / 1000) * this.bytesPerSecond);
    this.#last = now;
    const wanted = Math.min(chunk.length, this.#capacity);
    if (this.#tokens < wanted) {
      this.#timer = setTimeout(() => this.#pass(chunk, done), Math.ceil(((wanted - this.#tokens) / this.bytesPerSecond) * 1000));
      return;
    }
    const passed = Math.min(chunk.length, Math.floor(this.#tokens));
    this.#tokens -= passed;
    this.push(chunk.subarray(0, passed));
    if (passed === chunk.length) done();
    else this.#pass(chunk.subarray(passed), done);
  }
}
