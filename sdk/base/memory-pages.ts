/**
 * A base's RAM as one flat page file (sdk/image/memory's PageLayout and writeFlatPages), with the
 * layout in the form the base record stores, so readers never re-derive it.
 */
import { PageLayout, writeFlatPages, type RamBlock } from '../image/memory/index.js';

/** Where each RAM block of the VM lies in the flat page file. */
export type RamPageLayout = Array<{ block: string; length: number; firstPage: number }>;

export interface MemoryPagesResult {
  layout: RamPageLayout;
  /** Pages in the flat space (the file is pages × 4096 bytes). */
  pages: number;
  /** Pages written with data (the rest are holes). */
  dataPages: number;
}

/** The flat page layout of a snapshot's block list, in the form the base record stores. */
export function ramPageLayout(blocks: readonly RamBlock[]): RamPageLayout {
  const layout = new PageLayout(blocks);
  return layout.blocks.map((block) => ({ block: block.id, length: block.length, firstPage: layout.pageOf(block.id, 0) }));
}

/**
 * Writes the memory snapshot `snapshot` (a libvirt save image or a bare QEVM stream) as the flat
 * page file `out`, which must not exist.
 *
 * @example const { layout, pages } = await writeMemoryPages('/base/memory.save', '/base/memory.pages');
 */
export async function writeMemoryPages(snapshot: string, out: string): Promise<MemoryPagesResult> {
  const { layout, dataPages } = await writeFlatPages(snapshot, out);
  return { layout: ramPageLayout(layout.blocks), pages: layout.pages, dataPages };
}
