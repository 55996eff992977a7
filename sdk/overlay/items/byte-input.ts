/**
 * Pulls exact byte counts out of a stream of pieces of any size. Only what a record needs is
 * buffered (a header, then a payload whose length was checked first), so memory stays at one
 * incoming piece plus one record however long the stream is.
 */
export class ByteInput {
  private pending: Buffer = Buffer.alloc(0);
  private position = 0;
  /** Bytes consumed so far: the stream offset of the next byte. */
  offset = 0;
  private done = false;
  private readonly pieces: AsyncIterator<Uint8Array>;

  constructor(source: AsyncIterable<Uint8Array>) {
    this.pieces = source[Symbol.asyncIterator]();
  }

  /** Buffers until `count` bytes are available or the stream ends; returns how many are. */
  async fill(count: number): Promise<number> {
    while (this.available < count && !this.done) {
      const next = await this.pieces.next();
      if (next.done === true) {
        this.done = true;
        break;
      }
      if (next.value.length === 0) continue;
      const piece = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.length);
      this.pending = this.available === 0 ? piece : Buffer.concat([this.pending.subarray(this.position), piece]);
      this.position = 0;
    }
    return Math.min(count, this.available);
  }

  get available(): number {
    return this.pending.length - this.position;
  }

  /** The next `count` bytes as a view valid until the next fill; call fill(count) first. */
  take(count: number): Buffer {
    if (count > this.available) throw new RangeError(`take(${count}) with ${this.available} bytes buffered`);
    const bytes = this.pending.subarray(this.position, this.position + count);
    this.position += count;
    this.offset += count;
    return bytes;
  }

  /** True if the stream holds no byte past what was taken. */
  async atEnd(): Promise<boolean> {
    return (await this.fill(1)) === 0;
  }

  /** Stops the source (e.g. a decompressor) early. */
  async close(): Promise<void> {
    if (!this.done) await this.pieces.return?.();
    this.done = true;
  }
}
