/**
 * A base's RAM as one flat page file, so that base memory page n is the 4 KiB at byte n × 4096:
 * what dedup reads to confirm a match and synthesis reads to rebuild a page, with a plain pread,
 * and what the memory hash list is computed from. Pages absent or zero in the snapshot are holes.
 *
 * The flat page space puts the snapshot's RAM blocks one after another in the order the stream
 * declares them (pc.ram first, then pc.bios, pc.rom, the ACPI ROM blocks), each block starting at
 * the page after the previous one ends:
 *
 * | pages                      | content                        |
 * |----------------------------|--------------------------------|
 * | 0 … L0/4096 − 1            | block 0 (pc.ram), offset 0 …   |
 * | L0/4096 … +L1/4096 − 1     | block 1 (pc.bios)              |
 * | …                          | …                              |
 *
 * The layout is stored in the base record, so readers never re-derive it.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { openMemorySnapshot, PAGE_SIZE, type RamBlock } from '../image/memory/index.js';

export type RamPageLayout = Array<{ block: string; length: number; firstPage: number }>;

export interface MemoryPagesResult {
  layout: RamPageLayout;
  /** Pages in the flat space (the file is pages × 4096 bytes). */
  pages: number;
  /** Pages written with data (the rest are holes). */
  dataPages: number;
}

/** Writes are gathered into runs of consecutive pages of up to this many bytes. */
const RUN_BYTES = 1 << 20;

/** The flat page layout of a snapshot's block list. */
export function ramPageLayout(blocks: readonly RamBlock[]): RamPageLayout {
  let next = 0;
  return blocks.map((block) => {
    const entry = { block: block.id, length: block.length, firstPage: next };
    next += block.length / PAGE_SIZE;
    return entry;
  });
}

/**
 * Reads every page of the memory snapshot `snapshot` (a libvirt save image or a bare QEVM stream)
 * into the flat page file `out`, which must not exist. Reading to the end also checks the stream's
 * structure and device state.
 *
 * @example const { layout, pages } = await writeMemoryPages('/base/memory.save', '/base/memory.pages');
 */
export async function writeMemoryPages(snapshot: string, out: string): Promise<MemoryPagesResult> {
  const { stream } = await openMemorySnapshot(snapshot);
  const file = await open(out, 'wx', 0o644);
  try {
    const layout = ramPageLayout(stream.header.blocks);
    const firstPage = new Map(layout.map((entry) => [entry.block, entry.firstPage]));
    const last = layout.at(-1);
    const pages = last ? last.firstPage + last.length / PAGE_SIZE : 0;
    await file.truncate(pages * PAGE_SIZE);
    const written = new Uint8Array(pages);
    const run = new PageRun(file);
    for await (const page of stream.pages()) {
      // The reader has checked that the block exists and the offset lies inside it.
      const index = firstPage.get(page.block)! + page.offset / PAGE_SIZE;
      if (page.zero) {
        // Only a page sent twice (live migration) can need zeroing: a hole already reads as zero.
        if (written[index]) await run.add(index, Buffer.alloc(PAGE_SIZE));
        written[index] = 0;
        continue;
      }
      written[index] = 1;
      await run.add(index, page.data);
    }
    await run.flush();
    await stream.deviceState();
    await file.sync();
    return { layout, pages, dataPages: written.reduce((count, page) => count + page, 0) };
  } finally {
    stream.close();
    await file.close();
  }
}

/** Gathers consecutive pages into one write. */
class PageRun {
  private readonly buffer = Buffer.allocUnsafe(RUN_BYTES);
  private start = 0;
  private used = 0;

  constructor(private readonly file: FileHandle) {}

  async add(index: number, data: Uint8Array): Promise<void> {
    const position = index * PAGE_SIZE;
    if (this.used > 0 && (position !== this.start + this.used || this.used === RUN_BYTES)) await this.flush();
    if (this.used === 0) this.start = position;
    this.buffer.set(data, this.used);
    this.used += PAGE_SIZE;
  }

  async flush(): Promise<void> {
    for (let done = 0; done < this.used; ) {
      done += (await this.file.write(this.buffer, done, this.used - done, this.start + done)).bytesWritten;
    }
    this.used = 0;
  }
}
