import type { ChunkReader, ChunkStore } from '../chunk-io/index.js';
import type { DeltaDecoder } from '../delta/index.js';
import { CHUNK_SIZE, type DecodedItem, type ItemAddress, type ItemKind, type ItemLimits } from '../items/index.js';
import { ChunkSet } from './chunk-set.js';
import { ItemApplyError } from './errors.js';

export interface ItemApplierParts {
  /** The base VM's memory pages and disk chunks: targets of base references and delta sources. */
  base: Record<ItemKind, ChunkReader>;
  /** Where rebuilt chunks go; self references are read back from here. */
  output: Record<ItemKind, ChunkStore>;
  delta: DeltaDecoder;
}

const ZERO_CHUNK = Buffer.alloc(CHUNK_SIZE);

/**
 * Rebuilds chunks from checked items (decodeItems) and writes them at their addresses, resolving
 * references against the base and against chunks written before. It remembers which chunks it
 * wrote (ChunkSet: 8 KiB per touched 256 MiB), which is what lets the reader accept a self reference
 * into an earlier blob and nothing else.
 *
 * @example
 * const applier = new ItemApplier({ base: { memory, disk }, output: { memory: outMemory, disk: outDisk }, delta });
 * const items = decodeItems(stream, { limits: applier.limits, earlier: (target) => applier.has(target) });
 * for await (const item of items) await applier.apply('overlay-blob-1', item);
 */
export class ItemApplier {
  private readonly written: Record<ItemKind, ChunkSet> = { memory: new ChunkSet(), disk: new ChunkSet() };

  constructor(private readonly parts: ItemApplierParts) {}

  /** Item limits for this base and output: what decodeItems checks indexes against. */
  get limits(): ItemLimits {
    const { base, output } = this.parts;
    return { memory: output.memory.chunks, disk: output.disk.chunks, baseMemory: base.memory.chunks, baseDisk: base.disk.chunks };
  }

  /** Whether a chunk was written by an item applied before. */
  has(address: ItemAddress): boolean {
    return this.written[address.kind].has(address.index);
  }

  /** Chunks written so far, per kind. */
  get counts(): Record<ItemKind, number> {
    return { memory: this.written.memory.size, disk: this.written.disk.size };
  }

  async apply(blob: string, item: DecodedItem): Promise<void> {
    const address = { kind: item.kind, index: item.index };
    if (this.has(address)) throw new ItemApplyError(blob, item.offset, address, 'chunk already written by an earlier item');
    await this.parts.output[item.kind].write(item.index, await this.content(blob, item));
    this.written[item.kind].add(item.index);
  }

  private async content(blob: string, item: DecodedItem): Promise<Buffer> {
    const { base, output, delta } = this.parts;
    switch (item.encoding) {
      case 'zero':
        return ZERO_CHUNK;
      case 'base-memory':
        return base.memory.read(item.page);
      case 'base-disk':
        return base.disk.read(item.chunk);
      case 'self':
        return output[item.target.kind].read(item.target.index);
      case 'raw':
        return item.data;
      case 'xdelta3':
      case 'xor': {
        const source = await base[item.kind].read(item.index);
        try {
          return delta.decode(item, source);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          throw new ItemApplyError(blob, item.offset, { kind: item.kind, index: item.index }, reason, { cause: error });
        }
      }
    }
  }
}
