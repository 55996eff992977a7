/**
 * Bounded, position-tracking big-endian reads over an async byte source (a file or a pipe).
 * Callers `await need(n)` once per field group, then read synchronously: the buffer only ever holds
 * the current source chunk plus a few leftover bytes, never the whole stream.
 */
import { createReadStream } from 'node:fs';
import { TruncatedStreamError } from './errors.js';

/** Chunks must not be reused by the producer after they are yielded (fs and net streams do not). */
export type ByteSource = AsyncIterable<Uint8Array>;

const EMPTY = Buffer.alloc(0);

export class ByteReader {
  readonly #source: AsyncIterator<Uint8Array>;
  readonly #close: () => void;
  #buf: Buffer = EMPTY;
  #pos = 0;
  /** File offset of #buf[0]. */
  #base: number;
  #ended = false;

  constructor(source: ByteSource, startOffset = 0) {
    this.#source = source[Symbol.asyncIterator]();
    this.#base = startOffset;
    const destroy = (source as { destroy?: () => void }).destroy;
    this.#close = destroy ? () => destroy.call(source) : () => void this.#source.return?.();
  }

  /** Reads `[start, end)` of a file (`end` exclusive; default: to its end). */
  static fromFile(path: string, start = 0, end?: number): ByteReader {
    if (end !== undefined && end <= start) return new ByteReader((async function* () {})(), start);
    const stream = createReadStream(path, { start, end: end === undefined ? undefined : end - 1, highWaterMark: 1 << 20 });
    return new ByteReader(stream, start);
  }

  /** File offset of the next unread byte. */
  get offset(): number {
    return this.#base + this.#pos;
  }

  get buffered(): number {
    return this.#buf.length - this.#pos;
  }

  /** Makes `n` bytes readable synchronously, or throws TruncatedStreamError naming `what`. */
  async need(n: number, what: string): Promise<void> {
    if (this.buffered >= n) return;
    await this.#fill(n);
    if (this.buffered < n) throw new TruncatedStreamError(this.offset, what, n, this.buffered);
  }

  /** True when every byte has been consumed. */
  async atEnd(): Promise<boolean> {
    if (this.buffered > 0) return false;
    await this.#fill(1);
    return this.buffered === 0;
  }

  peekU8(): number {
    return this.#buf[this.#pos]!;
  }

  u8(): number {
    return this.#buf[this.#pos++]!;
  }

  u32(): number {
    const value = this.#buf.readUInt32BE(this.#pos);
    this.#pos += 4;
    return value;
  }

  /** A u64 as [high 32 bits, low 32 bits], so flags in the low bits survive values beyond 2^53. */
  u64Parts(): [number, number] {
    const high = this.#buf.readUInt32BE(this.#pos);
    const low = this.#buf.readUInt32BE(this.#pos + 4);
    this.#pos += 8;
    return [high, low];
  }

  /** A copy of the next `n` bytes (safe to keep). */
  bytes(n: number): Buffer {
    const copy = Buffer.allocUnsafe(n);
    this.#buf.copy(copy, 0, this.#pos, this.#pos + n);
    this.#pos += n;
    return copy;
  }

  latin1(n: number): string {
    const text = this.#buf.toString('latin1', this.#pos, this.#pos + n);
    this.#pos += n;
    return text;
  }

  /** Reads everything left, up to `limit` bytes; returns undefined if there is more than that. */
  async rest(limit: number): Promise<Buffer | undefined> {
    const parts: Buffer[] = [this.#buf.subarray(this.#pos)];
    let total = parts[0]!.length;
    this.#base += this.#buf.length;
    this.#buf = EMPTY;
    this.#pos = 0;
    while (total <= limit) {
      const next = await this.#next();
      if (!next) return Buffer.concat(parts, total);
      parts.push(next);
      total += next.length;
      this.#base += next.length;
    }
    this.close();
    return undefined;
  }

  /** Releases the source (closes the file) early. */
  close(): void {
    this.#ended = true;
    this.#close();
  }

  async #fill(n: number): Promise<void> {
    const parts: Buffer[] = [this.#buf.subarray(this.#pos)];
    let have = parts[0]!.length;
    while (have < n) {
      const next = await this.#next();
      if (!next) break;
      parts.push(next);
      have += next.length;
    }
    this.#base += this.#pos;
    this.#buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
    this.#pos = 0;
  }

  async #next(): Promise<Buffer | undefined> {
    while (!this.#ended) {
      const result = await this.#source.next();
      if (result.done) {
        this.#ended = true;
        break;
      }
      const chunk = result.value;
      if (chunk.length > 0) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
    return undefined;
  }
}
