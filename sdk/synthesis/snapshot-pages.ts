import { open, type FileHandle } from 'node:fs/promises';
import { hash } from 'node:crypto';
import { openMemorySnapshot, PageIndex, PageLayout, PAGE_SIZE } from '../image/memory/index.js';
import type { ChunkReader } from '../overlay/chunk-io/index.js';
import { BasePageChangedError } from './errors.js';

/**
 * The base memory snapshot read in place as a ChunkReader over flat page numbers: one indexing
 * pass (41 bytes per page in memory), then a 4 KiB pread per page read, checked against the
 * indexed digest. Synthesis needs nothing written beside the base, so nothing outside its output.
 */
export class SnapshotPages implements ChunkReader {
  private constructor(
    readonly path: string,
    readonly layout: PageLayout,
    private readonly index: PageIndex,
    private readonly file: FileHandle,
  ) {}

  /** @example const base = await SnapshotPages.open('base.mem'); const page = await base.read(0); */
  static async open(path: string): Promise<SnapshotPages> {
    const snapshot = await openMemorySnapshot(path);
    try {
      const index = await PageIndex.fromStream(snapshot.stream);
      await snapshot.stream.deviceState();
      return new SnapshotPages(path, new PageLayout(snapshot.stream.header.blocks), index, await open(path, 'r'));
    } finally {
      snapshot.stream.close();
    }
  }

  get chunks(): number {
    return this.layout.pages;
  }

  async read(page: number): Promise<Buffer> {
    const { block, offset } = this.layout.addressOf(page);
    const entry = this.index.get(block, offset);
    const data = Buffer.alloc(PAGE_SIZE);
    if (entry === undefined || entry.zero) return data;
    for (let done = 0; done < PAGE_SIZE; ) {
      const { bytesRead } = await this.file.read(data, done, PAGE_SIZE - done, entry.dataOffset + done);
      if (bytesRead === 0) throw new BasePageChangedError(this.path, page);
      done += bytesRead;
    }
    if (!hash('sha256', data, 'buffer').equals(entry.digest)) throw new BasePageChangedError(this.path, page);
    return data;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
