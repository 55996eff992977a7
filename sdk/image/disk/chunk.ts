import { hash } from 'node:crypto';
import { UnalignedSizeError } from './errors.js';

/** Disk chunk size: the unit of change detection, hashing and overlay items. */
export const CHUNK_SIZE = 4096;

/** SHA-256 of an all-zero chunk: the digest that means "nothing here" in hash lists and dedup. Never modify it. */
export const ZERO_CHUNK_DIGEST = hash('sha256', Buffer.alloc(CHUNK_SIZE), 'buffer');

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
