import { UnalignedSizeError } from './errors.js';

/** Disk chunk size: the unit of change detection, hashing and overlay items. */
export const CHUNK_SIZE = 4096;

/** A run of consecutive chunk indexes. */
export interface ChunkRange {
  first: number;
  count: number;
}

/**
 * Number of chunks in an image of `size` bytes; refuses sizes that are not whole chunks.
 *
 * @example chunkCount('disk.raw', 8 << 30) // → 2097152
 */
export function chunkCount(path: string, size: number): number {
  if (size % CHUNK_SIZE !== 0) throw new UnalignedSizeError(path, size, CHUNK_SIZE);
  return size / CHUNK_SIZE;
}
