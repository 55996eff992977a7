import { ZERO_CHUNK_DIGEST } from '../../image/disk/chunk.js';
import type { ChunkReader } from '../chunk-io/index.js';
import type { ItemAddress } from '../items/index.js';
import type { BaseDigestTable } from './base-digest-table.js';
import { SelfDigestTable } from './self-digest-table.js';

/** A chunk's content found elsewhere: what its item can say instead of carrying the bytes. */
export type DedupMatch =
  | { encoding: 'zero' }
  | { encoding: 'base-memory'; page: number }
  | { encoding: 'base-disk'; chunk: number }
  | { encoding: 'self'; target: ItemAddress };

export interface DedupBase {
  memory: { table: BaseDigestTable; reader: ChunkReader };
  disk: { table: BaseDigestTable; reader: ChunkReader };
}

/**
 * Finds where else a 4 KiB chunk's content already is, in the order the overlay prefers: the zero
 * chunk, any base memory page, any base disk chunk, an earlier item of this overlay (memory and disk
 * alike). Base hits come from 8-byte digest prefixes and are confirmed against the base chunk's
 * bytes; a prefix that leads to other bytes is counted in `stats.falseCandidates` and the search goes on.
 *
 * @example
 * const dedup = new Deduplicator({ memory: { table: memoryTable, reader: baseMemory }, disk: { table: diskTable, reader: baseDisk } });
 * const match = await dedup.match(digest, data); // { encoding: 'base-disk', chunk: 812 }, or undefined:
 * if (match === undefined) dedup.remember(digest, { kind: 'disk', index: 7 }); // after writing chunk 7's content
 */
export class Deduplicator {
  readonly self = new SelfDigestTable();
  readonly stats = { falseCandidates: 0 };

  constructor(private readonly base: DedupBase) {}

  async match(digest: Buffer, data: Buffer): Promise<DedupMatch | undefined> {
    if (digest.equals(ZERO_CHUNK_DIGEST)) return { encoding: 'zero' };
    const page = await this.confirmed(this.base.memory, digest, data);
    if (page !== undefined) return { encoding: 'base-memory', page };
    const chunk = await this.confirmed(this.base.disk, digest, data);
    if (chunk !== undefined) return { encoding: 'base-disk', chunk };
    const target = this.self.find(digest);
    return target === undefined ? undefined : { encoding: 'self', target };
  }

  /** Makes an item that carries content a target for later matches. */
  remember(digest: Buffer, address: ItemAddress): void {
    this.self.add(digest, address);
  }

  /** Bytes held by the base tables and the self table. */
  get bytes(): number {
    return this.base.memory.table.bytes + this.base.disk.table.bytes + this.self.bytes;
  }

  private async confirmed(base: DedupBase['memory'], digest: Buffer, data: Buffer): Promise<number | undefined> {
    const index = base.table.find(digest);
    if (index === undefined) return undefined;
    if ((await base.reader.read(index)).equals(data)) return index;
    this.stats.falseCandidates++;
    return undefined;
  }
}
