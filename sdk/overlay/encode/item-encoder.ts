import { hash } from 'node:crypto';
import type { ChunkReader } from '../chunk-io/index.js';
import type { Deduplicator } from '../dedup/index.js';
import type { DeltaEncoder } from '../delta/index.js';
import { CHUNK_SIZE, type Encoding, type ItemKind, type OverlayItem } from '../items/index.js';
import { ChunkLengthError } from './errors.js';

/** A chunk of the customized VM that may differ from its base: a memory page or a disk chunk. */
export interface OverlayChunk {
  kind: ItemKind;
  index: number;
  data: Buffer;
}

export interface ItemEncoderParts {
  /** The base VM's memory pages and disk chunks, by index. */
  base: Record<ItemKind, ChunkReader>;
  dedup: Deduplicator;
  delta: DeltaEncoder;
}

/** How many disk chunks and memory pages were encoded each way, by kind. */
export type EncoderStats = Record<ItemKind, Record<Encoding | 'unchanged', number>>;

/**
 * Turns each chunk of the customized VM into the cheapest item that rebuilds it:
 * 1. nothing, if it equals the base chunk at its own address;
 * 2. a reference, by Deduplicator's order: zero, base memory, base disk, an earlier item;
 * 3. otherwise its content, as a delta against the base chunk at its address or raw (DeltaEncoder).
 * Items of the third kind are remembered as targets for later references, so the items must be
 * written in the order they are returned.
 *
 * @example
 * const encoder = new ItemEncoder({ base: { memory, disk }, dedup, delta });
 * const item = await encoder.encode({ kind: 'disk', index: 7, data });
 */
export class ItemEncoder {
  readonly stats: EncoderStats = { memory: emptyCounts(), disk: emptyCounts() };

  constructor(private readonly parts: ItemEncoderParts) {}

  async encode(chunk: OverlayChunk): Promise<OverlayItem | undefined> {
    if (chunk.data.length !== CHUNK_SIZE) throw new ChunkLengthError(chunk.kind, chunk.index, chunk.data.length);
    const reader = this.parts.base[chunk.kind];
    const base = chunk.index < reader.chunks ? await reader.read(chunk.index) : undefined;
    const address = { kind: chunk.kind, index: chunk.index };
    if (base?.equals(chunk.data) === true) {
      this.stats[chunk.kind].unchanged++;
      return undefined;
    }
    const digest = hash('sha256', chunk.data, 'buffer');
    const match = await this.parts.dedup.match(digest, chunk.data);
    const item: OverlayItem = match === undefined ? { ...address, ...this.parts.delta.encode(chunk.data, base) } : { ...address, ...match };
    if (match === undefined) this.parts.dedup.remember(digest, address);
    this.stats[chunk.kind][item.encoding]++;
    return item;
  }

  /**
   * Encodes a stream of chunks, leaving out the unchanged ones.
   *
   * @example for await (const blob of compressItemBlobs(encoder.items(chunks))) await writer.addBlob(blob.data, blob);
   */
  async *items(chunks: AsyncIterable<OverlayChunk>): AsyncGenerator<OverlayItem> {
    for await (const chunk of chunks) {
      const item = await this.encode(chunk);
      if (item !== undefined) yield item;
    }
  }
}

function emptyCounts(): Record<Encoding | 'unchanged', number> {
  return { unchanged: 0, raw: 0, zero: 0, 'base-memory': 0, 'base-disk': 0, self: 0, xdelta3: 0, xor: 0 };
}
