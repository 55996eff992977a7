/**
 * Where each chunk of a synthesized disk comes from, from the overlay's meta alone: a blob that
 * claims it, the zeroed runs, or (claimed by nothing) the base. Kept as the meta's sorted runs,
 * searched by bisection: its size follows the overlay, not the disk.
 */
import { CHUNK_SIZE } from '../image/disk/index.js';
import type { OverlayMeta } from '../overlay/package/index.js';

/** The source of a run of chunks: `blob` is an index into meta.blobs. */
export type ChunkSource = { kind: 'base' } | { kind: 'zero' } | { kind: 'blob'; blob: number };

/** A source and the chunk where its run ends (exclusive). */
export interface SourceRun {
  source: ChunkSource;
  end: number;
}

interface Run {
  first: number;
  end: number;
  source: ChunkSource;
}

export class DiskSources {
  private readonly runs: Run[];
  readonly chunks: number;

  constructor(meta: Pick<OverlayMeta, 'diskSize' | 'diskZeroed' | 'blobs'>) {
    this.chunks = meta.diskSize / CHUNK_SIZE;
    const runs: Run[] = meta.diskZeroed.map(({ first, count }) => ({ first, end: first + count, source: { kind: 'zero' } }));
    meta.blobs.forEach((blob, index) => {
      for (const { first, count } of blob.disk) runs.push({ first, end: first + count, source: { kind: 'blob', blob: index } });
    });
    // The meta's claims are disjoint (decodeMeta checks it), so sorting by start orders them.
    this.runs = runs.sort((a, b) => a.first - b.first);
  }

  /**
   * The source of `chunk` and where its run ends.
   *
   * @example sources.at(0) // { source: { kind: 'base' }, end: 12 }
   */
  at(chunk: number): SourceRun {
    let low = 0;
    let high = this.runs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.runs[mid]!.first <= chunk) low = mid + 1;
      else high = mid;
    }
    const run = this.runs[low - 1];
    if (run !== undefined && chunk < run.end) return { source: run.source, end: run.end };
    return { source: { kind: 'base' }, end: this.runs[low]?.first ?? this.chunks };
  }
}
