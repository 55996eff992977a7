import { openMemorySnapshot, PageFile, PageIndex, PageLayout, PAGE_SIZE } from '../../image/memory/index.js';
import type { OverlayChunk } from '../encode/index.js';
import type { VmState } from '../vm-state/index.js';

export interface CustomizedMemory {
  layout: PageLayout;
  state: VmState;
  /** Pages present in the snapshot; the ones equal to the base are dropped by the encoder. */
  pages: number;
  /** The final copy of every present page as a memory chunk at its flat page number, in layout order. */
  chunks(): AsyncGenerator<OverlayChunk>;
}

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/**
 * Indexes the customized memory snapshot (one pass: the final copy of each page and the device
 * state) and hands out its pages on demand, read back from the file and checked against the index.
 *
 * @example
 * const memory = await readCustomizedMemory('custom.mem');
 * for await (const chunk of memory.chunks()) encoder.encode(chunk);
 */
export async function readCustomizedMemory(path: string): Promise<CustomizedMemory> {
  const snapshot = await openMemorySnapshot(path);
  try {
    const index = await PageIndex.fromStream(snapshot.stream);
    const deviceState = await snapshot.stream.deviceState();
    const layout = new PageLayout(snapshot.stream.header.blocks);
    const libvirt = snapshot.libvirt === null ? null : { wasRunning: snapshot.libvirt.wasRunning, untrustedXml: snapshot.libvirt.xml };
    const counts = index.counts();
    return {
      layout,
      state: { header: snapshot.stream.header, deviceState, libvirt },
      pages: counts.data + counts.zero,
      async *chunks() {
        const file = await PageFile.open(path);
        try {
          for (const entry of index.entries()) {
            const page = entry.zero ? undefined : await file.read(entry);
            const data = page?.zero === false ? Buffer.from(page.data) : Buffer.from(ZERO_PAGE);
            yield { kind: 'memory', index: layout.pageOf(entry.block, entry.offset), data };
          }
        } finally {
          await file.close();
        }
      },
    };
  } finally {
    snapshot.stream.close();
  }
}
