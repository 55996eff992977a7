import { readSync, writeSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { createPrivateFile } from '../../files/index.js';
import { CHUNK_SIZE, type ChunkStore } from './chunk-store.js';
import { ChunkIndexError, ChunkSizeError, ReadOnlyChunkFileError, ShortChunkReadError } from './errors.js';

/** Consecutive chunks gathered into one write: 1 MiB. */
const RUN_CHUNKS = 256;

/**
 * A raw file seen as 4 KiB chunks with positioned reads and writes: a base disk, a flat base memory
 * page file, or an image being synthesized (created sparse, written only where the overlay has data).
 * Each 4 KiB read or write is a synchronous pread/pwrite: a round trip through libuv's pool cost
 * about 40 µs per chunk, ten times the copy itself, and overlays apply tens of thousands of chunks.
 * Writes to consecutive chunks are gathered (up to 1 MiB) into one pwrite: a 4 KiB write into a
 * sparse file costs ~9 µs of block allocation here, a 1 MiB one barely more. Reads see them.
 */
export class ChunkFile implements ChunkStore {
  private readonly run: { first: number; count: number; bytes: Buffer };

  private constructor(readonly path: string, private readonly file: FileHandle, readonly chunks: number, private readonly writable: boolean) {
    this.run = { first: 0, count: 0, bytes: Buffer.allocUnsafe(writable ? RUN_CHUNKS * CHUNK_SIZE : 0) };
  }

  /**
   * Opens an existing file read-only; its size must be whole chunks.
   *
   * @example const base = await ChunkFile.open('/vm/base.raw'); const chunk = await base.read(42);
   */
  static async open(path: string): Promise<ChunkFile> {
    const file = await open(path, 'r');
    const { size } = await file.stat();
    if (size % CHUNK_SIZE !== 0) {
      await file.close();
      throw new ChunkSizeError(path, size);
    }
    return new ChunkFile(path, file, size / CHUNK_SIZE, false);
  }

  /**
   * Creates a new sparse file of `chunks` chunks for writing (and reading back), private; refuses an existing path.
   *
   * @example const disk = await ChunkFile.create('/out/disk.raw', 2097152); await disk.write(7, chunk);
   */
  static async create(path: string, chunks: number): Promise<ChunkFile> {
    const file = await createPrivateFile(path, { read: true });
    try {
      await file.truncate(chunks * CHUNK_SIZE);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new ChunkFile(path, file, chunks, true);
  }

  async read(index: number): Promise<Buffer> {
    this.check(index);
    const { run } = this;
    if (index >= run.first && index < run.first + run.count) return Buffer.from(run.bytes.subarray((index - run.first) * CHUNK_SIZE, (index - run.first + 1) * CHUNK_SIZE));
    // Filled by readRun or not returned at all.
    return this.readRun(index, 1, Buffer.allocUnsafe(CHUNK_SIZE));
  }

  /**
   * Reads chunks `first` … `first + count − 1` into the start of `into` and returns that view; gathered
   * writes among them are flushed first, so the file holds them.
   *
   * @example const pages = file.readRun(0, 128, Buffer.allocUnsafe(128 * 4096));
   */
  readRun(first: number, count: number, into: Buffer): Buffer {
    this.check(first);
    this.check(first + count - 1);
    const length = count * CHUNK_SIZE;
    if (into.length < length) throw new RangeError(`${into.length} bytes cannot hold ${count} chunks`);
    const { run } = this;
    if (run.count > 0 && first < run.first + run.count && first + count > run.first) this.flush();
    for (let done = 0; done < length; ) {
      const bytesRead = readSync(this.file.fd, into, done, length - done, first * CHUNK_SIZE + done);
      if (bytesRead === 0) throw new ShortChunkReadError(this.path, first + Math.floor(done / CHUNK_SIZE), done % CHUNK_SIZE);
      done += bytesRead;
    }
    return into.subarray(0, length);
  }

  async write(index: number, data: Buffer): Promise<void> {
    this.check(index);
    if (!this.writable) throw new ReadOnlyChunkFileError(this.path);
    if (data.length !== CHUNK_SIZE) throw new ChunkSizeError(this.path, data.length);
    const { run } = this;
    if (run.count > 0 && (index !== run.first + run.count || run.count === RUN_CHUNKS)) this.flush();
    if (run.count === 0) run.first = index;
    data.copy(run.bytes, run.count * CHUNK_SIZE);
    run.count++;
  }

  /** Writes the gathered run out, for readers of the file through other handles. */
  flush(): void {
    const { run } = this;
    const length = run.count * CHUNK_SIZE;
    for (let done = 0; done < length; ) done += writeSync(this.file.fd, run.bytes, done, length - done, run.first * CHUNK_SIZE + done);
    run.count = 0;
  }

  /** Flushes written chunks to the disk. */
  async sync(): Promise<void> {
    this.flush();
    await this.file.sync();
  }

  async close(): Promise<void> {
    try {
      this.flush();
    } finally {
      await this.file.close();
    }
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunks) throw new ChunkIndexError(this.path, index, this.chunks);
  }
}
