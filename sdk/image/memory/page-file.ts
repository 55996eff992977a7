/**
 * Random access to the pages of an indexed snapshot file: reads the 4 KiB at an entry's
 * dataOffset and checks it still hashes to the indexed digest, so a file that changed after
 * indexing cannot slip wrong data into a new stream. Reads go through a 1 MiB window, because
 * pages read in index order mostly sit next to each other in the file.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { MalformedStreamError, TruncatedStreamError } from './errors.js';
import type { PageEntry } from './page-index.js';
import { PAGE_SIZE, type RamPage } from './stream-format.js';

const WINDOW_SIZE = 1 << 20;

export class PageFile {
  #window = Buffer.alloc(0);
  #windowStart = 0;

  private constructor(
    readonly path: string,
    readonly handle: FileHandle,
  ) {}

  /** @example const file = await PageFile.open('vm.mem'); const page = await file.read(index.get('pc.ram', 0)!); */
  static async open(path: string): Promise<PageFile> {
    return new PageFile(path, await open(path, 'r'));
  }

  /** The page `entry` describes; zero pages need no read. */
  async read(entry: PageEntry): Promise<RamPage> {
    if (entry.zero) return { block: entry.block, offset: entry.offset, zero: true };
    const data = Buffer.from(await this.#bytesAt(entry.dataOffset));
    if (!createHash('sha256').update(data).digest().equals(entry.digest)) {
      throw new MalformedStreamError(entry.dataOffset, 'page changed since it was indexed', `${entry.block}+0x${entry.offset.toString(16)} in ${this.path}`);
    }
    return { block: entry.block, offset: entry.offset, zero: false, data };
  }

  /** Reads `entries` in order, e.g. `file.pages(index.entries())` for every page of a snapshot. */
  async *pages(entries: Iterable<PageEntry>): AsyncGenerator<RamPage> {
    for (const entry of entries) yield await this.read(entry);
  }

  async #bytesAt(offset: number): Promise<Buffer> {
    let at = offset - this.#windowStart;
    if (at < 0 || at + PAGE_SIZE > this.#window.length) {
      const window = Buffer.allocUnsafe(WINDOW_SIZE);
      const { bytesRead } = await this.handle.read(window, 0, WINDOW_SIZE, offset);
      if (bytesRead < PAGE_SIZE) throw new TruncatedStreamError(offset, `page data in ${this.path}`, PAGE_SIZE, bytesRead);
      this.#window = window.subarray(0, bytesRead);
      this.#windowStart = offset;
      at = 0;
    }
    return this.#window.subarray(at, at + PAGE_SIZE);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}
