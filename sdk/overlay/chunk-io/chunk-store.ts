/**
 * How overlay code reaches 4 KiB chunks by index: base disks and base memory to dedup against and
 * delta from, and the images synthesis builds. A memory snapshot plugs in through a thin adapter
 * that maps its pages (RAM block + offset) to page numbers of the flat guest RAM space.
 */
export { CHUNK_SIZE } from '../../image/disk/chunk.js';

export interface ChunkReader {
  /** Chunks addressable: valid indexes are 0 … chunks − 1. */
  readonly chunks: number;
  /** The 4096 bytes of chunk `index`, a private copy. */
  read(index: number): Promise<Buffer>;
}

export interface ChunkStore extends ChunkReader {
  /** Writes the 4096 bytes of chunk `index`. */
  write(index: number, data: Buffer): Promise<void>;
}

/** A memory page with the page number in the flat guest RAM space; what the memory adapter yields. */
export interface MemoryPage {
  index: number;
  data: Buffer;
}

/** A reader of nothing, for a base without memory (disk-only overlays). */
export const NO_CHUNKS: ChunkReader = {
  chunks: 0,
  read: (index) => Promise.reject(new RangeError(`chunk ${index} of an empty chunk space`)),
};
