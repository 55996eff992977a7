/**
 * A memory snapshot's RAM as one flat page file in its PageLayout: page n at byte n × 4096, pages
 * absent or zero in the snapshot left as holes. Base VMs keep their RAM this way so dedup can
 * confirm a match and synthesis can rebuild a page with a plain positioned read, and the memory
 * hash list is computed from it like a disk's.
 */
import type { FileHandle } from 'node:fs/promises';
import { createPrivateFile } from '../../files/index.js';
import { PageLayout } from './page-layout.js';
import { openMemorySnapshot } from './snapshot-file.js';
import { PAGE_SIZE } from './stream-format.js';

export interface FlatPages {
  readonly layout: PageLayout;
  /** Pages written with data (the rest are holes). */
  readonly dataPages: number;
}

/** Writes are gathered into runs of consecutive pages of up to this many bytes. */
const RUN_BYTES = 1 << 20;

/**
 * Reads every page of `snapshot` (a libvirt save image or a bare stream) into the new file `out`
 * (a new private file), the final copy of each page winning. Reading to the end also checks the
 * stream's structure and device state.
 *
 * @example const { layout } = await writeFlatPages('/base/memory.save', '/base/memory.pages');
 */
export async function writeFlatPages(snapshot: string, out: string): Promise<FlatPages> {
  const { stream } = await openMemorySnapshot(snapshot);
  const file = await createPrivateFile(out);
  try {
    const layout = new PageLayout(stream.header.blocks);
    await file.truncate(layout.bytes);
    const written = new Uint8Array(layout.pages);
    const run = new PageRun(file);
    for await (const page of stream.pages()) {
      const index = layout.pageOf(page.block, page.offset);
      if (page.zero) {
        // Only a page sent again as zero after data (live migration) needs writing: a hole reads as zero.
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
    return { layout, dataPages: written.reduce((count, page) => count + page, 0) };
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
