import { open, type FileHandle } from 'node:fs/promises';
import { CHUNK_SIZE, type ChunkStore } from './chunk-store.js';
import { ChunkIndexError, ChunkSizeError, ReadOnlyChunkFileError, ShortChunkReadError } from './errors.js';

/**
 * A raw file seen as 4 KiB chunks with positioned reads and writes: a base disk, a flat base memory
 * page file, or an image being synthesized (created sparse, written only where the overlay has data).
 */
export class ChunkFile implements ChunkStore {
  private constructor(readonly path: string, private readonly file: FileHandle, readonly chunks: number, private readonly writable: boolean) {}

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
   * Creates a new sparse file of `chunks` chunks for writing (and reading back); refuses an existing path.
   *
   * @example const disk = await ChunkFile.create('/out/disk.raw', 2097152); await disk.write(7, chunk);
   */
  static async create(path: string, chunks: number): Promise<ChunkFile> {
    const file = await open(path, 'wx+');
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
    const data = Buffer.alloc(CHUNK_SIZE);
    for (let done = 0; done < CHUNK_SIZE; ) {
      const { bytesRead } = await this.file.read(data, done, CHUNK_SIZE - done, index * CHUNK_SIZE + done);
      if (bytesRead === 0) throw new ShortChunkReadError(this.path, index, done);
      done += bytesRead;
    }
    return data;
  }

  async write(index: number, data: Buffer): Promise<void> {
    this.check(index);
    if (!this.writable) throw new ReadOnlyChunkFileError(this.path);
    if (data.length !== CHUNK_SIZE) throw new ChunkSizeError(this.path, data.length);
    for (let done = 0; done < CHUNK_SIZE; ) {
      done += (await this.file.write(data, done, CHUNK_SIZE - done, index * CHUNK_SIZE + done)).bytesWritten;
    }
  }

  /** Flushes written chunks to the disk. */
  async sync(): Promise<void> {
    await this.file.sync();
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private check(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunks) throw new ChunkIndexError(this.path, index, this.chunks);
  }
}
