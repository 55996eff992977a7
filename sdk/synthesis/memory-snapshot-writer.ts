import { mapExtents, type MapExtent } from '../image/disk/index.js';
import { fileSink, MigrationStreamWriter, PAGE_SIZE, type ByteSink, type PageLayout } from '../image/memory/index.js';
import type { ChunkFile } from '../overlay/chunk-io/index.js';
import type { VmState } from '../overlay/vm-state/index.js';

export interface MemorySnapshotParts {
  layout: PageLayout;
  state: VmState;
  /** Bytes to put before the stream: a libvirt save image header, or nothing. */
  prefix: Buffer | null;
}

/** Pages read and encoded per step: 512 KiB, under the sink's 1 MiB chunk so runs are gathered, not copied twice. */
const RUN_PAGES = 128;

/**
 * Writes a synthesized memory snapshot: [libvirt header], then a canonical migration stream (one
 * END section holding every page of the layout once; all-zero pages as ZERO records) and the
 * customized VM's device state. Pages come from flat page files (page n at byte n × 4096) already
 * open as ChunkFiles, each read sequentially in runs, holes skipped; memory stays at one run. A page may come in any
 * order (QEMU loads in stream order), which is what lets synthesis write the base's pages while
 * the overlay's are still being rebuilt.
 *
 * @example
 * const memory = await MemorySnapshotWriter.create('out/memory.mem', { layout, state, prefix: null });
 * await memory.copyPages(basePages, (page) => !claimed.has(page));
 * await memory.copyPages(overlayPages, (page) => claimed.has(page));
 * await memory.finish();
 */
export class MemorySnapshotWriter {
  private constructor(
    private readonly parts: MemorySnapshotParts,
    private readonly sink: ByteSink,
    private readonly writer: MigrationStreamWriter,
  ) {}

  static async create(path: string, parts: MemorySnapshotParts): Promise<MemorySnapshotWriter> {
    const sink = await fileSink(path);
    try {
      if (parts.prefix !== null) await sink.write(parts.prefix);
      const writer = new MigrationStreamWriter(sink, parts.state.header);
      await writer.beginSection('end');
      return new MemorySnapshotWriter(parts, sink, writer);
    } catch (error) {
      await sink.close();
      throw error;
    }
  }

  /** Writes the pages of the flat page file `pages` for which `include(page)` holds, in page order; an abort stops it between runs. */
  async copyPages(pages: ChunkFile, include: (page: number) => boolean, signal?: AbortSignal): Promise<void> {
    if (pages.chunks !== this.parts.layout.pages) throw new RangeError(`${pages.path} holds ${pages.chunks} pages, the layout ${this.parts.layout.pages}`);
    const extents = mapExtents(pages.path, 'raw', this.parts.layout.bytes);
    try {
      const hasData = dataLookup(extents);
      const buffer = Buffer.allocUnsafe(RUN_PAGES * PAGE_SIZE);
      let page = 0;
      for (const block of this.parts.layout.blocks) {
        for (let offset = 0; offset < block.length; ) {
          signal?.throwIfAborted();
          const count = Math.min(RUN_PAGES, (block.length - offset) / PAGE_SIZE);
          // Most of a guest's RAM is never touched: those pages are holes, not worth a read.
          const run = (await hasData(page * PAGE_SIZE, count * PAGE_SIZE)) ? pages.readRun(page, count, buffer) : buffer.fill(0, 0, count * PAGE_SIZE).subarray(0, count * PAGE_SIZE);
          for (let first = 0; first < count; ) {
            if (!include(page + first)) {
              first++;
              continue;
            }
            let end = first + 1;
            while (end < count && include(page + end)) end++;
            await this.writer.writePageRun(block.id, offset + first * PAGE_SIZE, run.subarray(first * PAGE_SIZE, end * PAGE_SIZE));
            first = end;
          }
          offset += count * PAGE_SIZE;
          page += count;
        }
      }
    } finally {
      await extents.return(undefined);
    }
  }

  /** Appends the device state and closes the file. */
  async finish(): Promise<void> {
    try {
      await this.writer.finish(this.parts.state.deviceState);
    } finally {
      await this.sink.close();
    }
  }

  /** Closes the file after a failure; what was written is the caller's to remove. */
  async abort(): Promise<void> {
    await this.sink.close().catch(() => undefined);
  }
}

/** Whether [start, start + length) overlaps data in the file, for ranges asked in increasing order. */
function dataLookup(extents: AsyncGenerator<MapExtent>): (start: number, length: number) => Promise<boolean> {
  const ahead: MapExtent[] = [];
  let done = false;
  return async (start, length) => {
    for (;;) {
      while (ahead.length > 0 && ahead[0]!.start + ahead[0]!.length <= start) ahead.shift();
      const last = ahead.at(-1);
      if (done || (last !== undefined && last.start + last.length >= start + length)) break;
      const next = await extents.next();
      if (next.done === true) done = true;
      else ahead.push(next.value);
    }
    return ahead.some((extent) => extent.data && extent.start < start + length && extent.start + extent.length > start);
  };
}
