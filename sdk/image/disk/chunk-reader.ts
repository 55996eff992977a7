import { open, type FileHandle } from 'node:fs/promises';
import { CHUNK_SIZE, type ChunkRange } from './chunk.js';
import type { ChunkSpan, Piece } from './chunk-spans.js';
import { qcow2ChunkSpans } from './qcow2-map.js';
import { rawChunkSpans } from './raw-map.js';
import { readExactly } from './read-exactly.js';

/**
 * One change of a customized disk against its base, in increasing chunk order:
 * `modified` — chunk `index` holds `data` (4096 bytes, a private copy), which differs from the base;
 * `zeroed`   — chunks `first … first+count−1` read as zeros and carry no data (discards, write-zeroes,
 *              holes); they may already be zero in the base, and synthesis zeroes them.
 * Every other chunk equals the base.
 */
export type DiskChange =
  | { kind: 'modified'; index: number; data: Buffer }
  | ({ kind: 'zeroed' } & ChunkRange);

export interface DiskChangesSource {
  /** qcow2: an overlay whose backing file is `base`. raw: a full customized copy of `base`. */
  format: 'qcow2' | 'raw';
  image: string;
  /** The raw base disk. */
  base: string;
}

/** Chunks read and compared per batch: 4 MiB, aligned to 4 MiB of the disk. */
const BATCH_CHUNKS = 1024;
const BATCH_BYTES = BATCH_CHUNKS * CHUNK_SIZE;

/**
 * Streams the changes of a customized disk against its base. Which chunks can differ comes from the
 * allocation maps (qcow2-map.ts, raw-map.ts); their content is read in batches of up to 4 MiB —
 * straight from the qcow2 file at the host offsets qemu-img reported, or from the raw file — and
 * compared with the base chunk by chunk. Memory stays at two 4 MiB buffers plus the chunks the
 * consumer keeps, however large the disk.
 *
 * @example
 * for await (const change of diskChanges({ format: 'qcow2', image: 'custom.qcow2', base: 'base.raw' })) {
 *   if (change.kind === 'modified') encode(change.index, change.data);
 * }
 */
export async function* diskChanges(source: DiskChangesSource): AsyncGenerator<DiskChange> {
  const spans = source.format === 'qcow2' ? qcow2ChunkSpans(source.image, source.base) : rawChunkSpans(source.image, source.base);
  const image = await open(source.image, 'r');
  const base = await open(source.base, 'r').catch(async (error: unknown) => {
    await image.close();
    throw error;
  });
  const reader = new BatchReader(source, image, base);
  try {
    for await (const span of spans) {
      if (span.kind === 'zeroed') yield { kind: 'zeroed', first: span.first, count: span.count };
      else yield* reader.changedChunks(span);
    }
  } finally {
    await Promise.all([image.close(), base.close()]);
  }
}

class BatchReader {
  private readonly imageBytes = Buffer.allocUnsafe(BATCH_BYTES);
  private readonly baseBytes = Buffer.allocUnsafe(BATCH_BYTES);

  constructor(private readonly source: DiskChangesSource, private readonly image: FileHandle, private readonly base: FileHandle) {}

  async *changedChunks(span: Extract<ChunkSpan, { kind: 'candidate' }>): AsyncGenerator<DiskChange> {
    const end = span.first + span.count;
    for (let first = span.first; first < end; ) {
      const last = Math.min(end, (Math.floor(first / BATCH_CHUNKS) + 1) * BATCH_CHUNKS);
      const length = (last - first) * CHUNK_SIZE;
      await this.fill(first * CHUNK_SIZE, length, span.pieces);
      if (!this.imageBytes.subarray(0, length).equals(this.baseBytes.subarray(0, length))) {
        for (let at = 0; at < length; at += CHUNK_SIZE) {
          const data = this.imageBytes.subarray(at, at + CHUNK_SIZE);
          if (!data.equals(this.baseBytes.subarray(at, at + CHUNK_SIZE))) {
            yield { kind: 'modified', index: first + at / CHUNK_SIZE, data: Buffer.from(data) };
          }
        }
      }
      first = last;
    }
  }

  /** Reads the base bytes of [start, start+length) and assembles the customized bytes from the pieces. */
  private async fill(start: number, length: number, pieces: Piece[]): Promise<void> {
    const reads = [readExactly(this.source.base, this.base, this.baseBytes, 0, length, start)];
    const fromBase: [number, number][] = [];
    for (const piece of pieces) {
      const from = Math.max(start, piece.start);
      const to = Math.min(start + length, piece.start + piece.length);
      if (from >= to) continue;
      const at = from - start;
      if (piece.source === 'zero') this.imageBytes.fill(0, at, at + to - from);
      else if (piece.source === 'base') fromBase.push([at, at + to - from]);
      else reads.push(readExactly(this.source.image, this.image, this.imageBytes, at, to - from, piece.fileOffset + (from - piece.start)));
    }
    await Promise.all(reads);
    for (const [from, to] of fromBase) this.baseBytes.copy(this.imageBytes, from, from, to);
  }
}
