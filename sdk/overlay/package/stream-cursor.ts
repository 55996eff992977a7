import { createHash } from 'node:crypto';
import { StreamLengthError } from './stream-errors.js';

/**
 * Front-to-back reads over a byte stream (a request body, a download) for package-stream.ts: exact
 * reads of headers, and a member's bytes handed on piece by piece as they arrive, never more than
 * one source chunk held. Every byte taken from the source is counted and hashed (the package's
 * SHA-256), and a `declared` length is held to both ways: a byte past it fails at once, an end
 * before it fails as 'short'. The source is pulled only when a reader asks, so a slow consumer
 * holds a fast sender back (backpressure).
 */
export class StreamCursor {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #sha = createHash('sha256');
  #buf: Buffer = Buffer.alloc(0);
  /** Bytes taken from the source; the stream offset of the end of #buf. */
  #received = 0;
  #ended = false;

  constructor(source: AsyncIterable<Uint8Array>, private readonly declared: number | undefined, private readonly onBytes: (received: number) => void = () => undefined) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Stream offset of the next unread byte. */
  get offset(): number {
    return this.#received - this.#buf.length;
  }

  get received(): number {
    return this.#received;
  }

  /** Exactly `n` bytes (a copy is not made: do not keep them past the next read if the source reuses chunks). */
  async read(n: number): Promise<Buffer> {
    while (this.#buf.length < n) {
      const next = await this.#pull();
      this.#buf = this.#buf.length === 0 ? next : Buffer.concat([this.#buf, next]);
    }
    const out = this.#buf.subarray(0, n);
    this.#buf = this.#buf.subarray(n);
    return out;
  }

  /** The next `n` bytes without consuming them. */
  async peek(n: number): Promise<Buffer> {
    const bytes = await this.read(n);
    this.#buf = this.#buf.length === 0 ? bytes : Buffer.concat([bytes, this.#buf]);
    return bytes;
  }

  /** The next `n` bytes, in the pieces they arrive in. */
  async *pieces(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0) this.#buf = await this.#pull();
      const piece = this.#buf.subarray(0, Math.min(left, this.#buf.length));
      this.#buf = this.#buf.subarray(piece.length);
      left -= piece.length;
      yield piece;
    }
  }

  /** Requires the end of the stream here ('trailing' otherwise, and 'short' if less than declared came); returns the SHA-256 of every byte. */
  async end(): Promise<string> {
    while (this.#buf.length === 0 && !this.#ended) {
      const next = await this.#source.next();
      if (next.done) this.#ended = true;
      else if (next.value.length > 0) this.#buf = this.#take(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    }
    if (this.#buf.length > 0) throw new StreamLengthError('trailing', this.offset);
    if (this.declared !== undefined && this.#received < this.declared) throw new StreamLengthError('short', this.#received, this.declared);
    return this.#sha.digest('hex');
  }

  /** Stops reading and lets the source release what it holds (a socket, a file). */
  async close(): Promise<void> {
    this.#ended = true;
    await this.#source.return?.();
  }

  async #pull(): Promise<Buffer> {
    while (!this.#ended) {
      const next = await this.#source.next();
      if (next.done) break;
      if (next.value.length > 0) return this.#take(Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength));
    }
    this.#ended = true;
    if (this.declared !== undefined && this.#received < this.declared) throw new StreamLengthError('short', this.#received, this.declared);
    throw new StreamLengthError('truncated', this.#received);
  }

  #take(chunk: Buffer): Buffer {
    this.#received += chunk.length;
    if (this.declared !== undefined && this.#received > this.declared) throw new StreamLengthError('long', this.#received, this.declared);
    this.#sha.update(chunk);
    this.onBytes(this.#received);
    return chunk;
  }
}
