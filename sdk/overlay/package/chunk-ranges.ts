import { ChunkOverlapError, ChunkRangeError, MetaFieldError, type ChunkSpace } from './errors.js';
import type { MsgpackCursor } from './msgpack-cursor.js';

/**
 * Sets of chunk indexes (disk chunks or memory pages) as runs, stored in overlay-meta as one flat
 * msgpack array of unsigned integers, gap/count pairs:
 *
 * | element  | meaning                                                                       |
 * |----------|-------------------------------------------------------------------------------|
 * | 2i       | gap: first index of run i minus the end of run i−1 (run −1 ends at 0); ≥ 1 for i ≥ 1 |
 * | 2i + 1   | count: indexes in run i, ≥ 1                                                  |
 *
 * Runs are sorted, disjoint and never adjacent, so every set has exactly one encoding, and small
 * gaps and counts take one msgpack byte each: chunks {0,1,2,10} encode as [0,3,7,1].
 */
export interface ChunkRange {
  first: number;
  count: number;
}

/** Highest chunk index + 1 this format describes: 2^40 chunks of 4 KiB is 4 PiB. */
export const MAX_CHUNKS = 2 ** 40;

/**
 * Builds canonical runs from indexes in any order; repeats are folded.
 *
 * @example rangesFromIndexes([10, 0, 2, 1, 2]) // → [{ first: 0, count: 3 }, { first: 10, count: 1 }]
 */
export function rangesFromIndexes(indexes: Iterable<number>): ChunkRange[] {
  const sorted = Float64Array.from(indexes).sort();
  return normalizeRanges(Array.from(sorted, (first) => ({ first, count: 1 })));
}

/**
 * Sorts runs and merges those that touch or overlap, giving the canonical form.
 *
 * @example normalizeRanges([{ first: 4, count: 2 }, { first: 0, count: 4 }]) // → [{ first: 0, count: 6 }]
 */
export function normalizeRanges(ranges: readonly ChunkRange[]): ChunkRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  const out: ChunkRange[] = [];
  for (const { first, count } of sorted) {
    if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 1) {
      throw new RangeError(`not a chunk run: first ${first}, count ${count}`);
    }
    const last = out[out.length - 1];
    if (last !== undefined && first <= last.first + last.count) {
      last.count = Math.max(last.count, first + count - last.first);
    } else {
      out.push({ first, count });
    }
  }
  return out;
}

/** The wire form of canonical runs (see the table above). */
export function encodeRanges(ranges: readonly ChunkRange[]): number[] {
  const wire: number[] = [];
  let end = 0;
  for (const { first, count } of ranges) {
    wire.push(first - end, count);
    end = first + count;
  }
  return wire;
}

/**
 * Reads runs from the cursor, refusing a non-canonical encoding and any run reaching past `limit`
 * chunks (reported against `owner`, e.g. the blob name).
 */
export function readRanges(cursor: MsgpackCursor, field: string, owner: string, space: ChunkSpace, limit: number): ChunkRange[] {
  const length = cursor.arrayHeader(field, Number.MAX_SAFE_INTEGER);
  if (length % 2 !== 0) throw new MetaFieldError(field, `holds ${length} numbers; gap/count pairs need an even count`);
  const ranges: ChunkRange[] = [];
  let end = 0;
  for (let i = 0; i < length; i += 2) {
    const gap = cursor.uint(`${field}[${i}]`, MAX_CHUNKS);
    const count = cursor.uint(`${field}[${i + 1}]`, MAX_CHUNKS);
    if (count < 1) throw new MetaFieldError(`${field}[${i + 1}]`, 'a run holds at least one chunk');
    if (i > 0 && gap < 1) throw new MetaFieldError(`${field}[${i}]`, 'runs must be sorted and not touch (gap ≥ 1)');
    const first = end + gap;
    if (first + count > limit) throw new ChunkRangeError(owner, space, first, count, limit);
    ranges.push({ first, count });
    end = first + count;
  }
  return ranges;
}

/** @example countChunks([{ first: 0, count: 3 }, { first: 10, count: 1 }]) // → 4 */
export function countChunks(ranges: readonly ChunkRange[]): number {
  return ranges.reduce((sum, r) => sum + r.count, 0);
}

/** Refuses a chunk claimed by two owners (two blobs, or a blob and the zeroed list). */
export function checkDisjoint(space: ChunkSpace, claims: readonly { owner: string; ranges: readonly ChunkRange[] }[]): void {
  const runs = claims.flatMap(({ owner, ranges }) => ranges.map((r) => ({ owner, ...r })));
  runs.sort((a, b) => a.first - b.first);
  for (let i = 1; i < runs.length; i++) {
    const previous = runs[i - 1]!;
    const current = runs[i]!;
    if (current.first < previous.first + previous.count) {
      throw new ChunkOverlapError(space, current.first, previous.owner, current.owner);
    }
  }
}
