import { fileSink, PAGE_SIZE, writeCanonicalStream, type CanonicalStreamResult, type PageLayout, type RamPage } from '../image/memory/index.js';
import type { ChunkReader } from '../overlay/chunk-io/index.js';
import type { VmState } from '../overlay/create/index.js';

export interface MemoryParts {
  layout: PageLayout;
  state: VmState;
  /** Base pages, by flat page number. */
  base: ChunkReader;
  /** Pages the overlay wrote, and which those are. */
  written: ChunkReader;
  isWritten: (page: number) => boolean;
  /** Bytes to put before the stream: a libvirt save image header, or nothing. */
  prefix: Buffer | null;
}

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/**
 * Writes the synthesized memory snapshot to `path`: [libvirt header], then a canonical migration
 * stream with every page of the layout (the overlay's where it wrote one, the base's otherwise;
 * zero pages as ZERO records) and the customized VM's device state.
 *
 * @example await writeMemory('out/memory.mem', { layout, state, base, written: outMemory, isWritten, prefix: null });
 */
export async function writeMemory(path: string, parts: MemoryParts): Promise<CanonicalStreamResult> {
  const sink = await fileSink(path);
  try {
    if (parts.prefix !== null) await sink.write(parts.prefix);
    return await writeCanonicalStream(sink, { header: parts.state.header, pages: pages(parts), deviceState: parts.state.deviceState, zeroPages: 'keep' });
  } finally {
    await sink.close();
  }
}

async function* pages(parts: MemoryParts): AsyncGenerator<RamPage> {
  let page = 0;
  for (const block of parts.layout.blocks) {
    for (let offset = 0; offset < block.length; offset += PAGE_SIZE, page++) {
      const data = parts.isWritten(page) ? await parts.written.read(page) : await parts.base.read(page);
      yield data.equals(ZERO_PAGE) ? { block: block.id, offset, zero: true } : { block: block.id, offset, zero: false, data };
    }
  }
}
