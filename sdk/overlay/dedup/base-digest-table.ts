import { ZERO_CHUNK_DIGEST } from '../../image/disk/chunk.js';
import { BaseIndexLimitError, BaseSourceChangedError } from './errors.js';

/** Where base digests come from, in index order; called once per build pass (twice). */
export type DigestSource = () => AsyncIterable<{ index: number; digest: Uint8Array }>;

/** Slots filled at most this much, so a miss ends after ~3 probes on average. */
const LOAD = 0.7;
/** Values hold index + 1 in a u32 (0 marks an empty slot). */
const MAX_INDEX = 0xffff_fffe;

/**
 * Which base chunk holds a given SHA-256, in 12 bytes a slot: an open-addressing table keyed by the
 * digest's first 8 bytes (two u32), valued by the chunk index. About 17 bytes per distinct non-zero
 * chunk (4.3 MiB per GiB of base), against ~100 for a Map of hex strings. Zero chunks are left out
 * (a zero check comes first anyway), so a sparse base costs only its data.
 *
 * Eight bytes are not the whole digest, so a hit is a candidate: the caller confirms it against the
 * chunk's bytes. Of two different digests sharing a prefix only the first is kept, and of equal
 * digests the lowest index (the source is in index order).
 */
export class BaseDigestTable {
  private constructor(private readonly keys: Uint32Array, private readonly values: Uint32Array, readonly entries: number) {}

  /**
   * Builds the table in two passes over `source`: one to count, so the table is allocated once at
   * its final size, one to fill it.
   *
   * @example const table = await BaseDigestTable.build(() => readHashList('/vm/base.hashes'));
   */
  static async build(source: DigestSource): Promise<BaseDigestTable> {
    let count = 0;
    for await (const { index, digest } of source()) {
      if (index > MAX_INDEX) throw new BaseIndexLimitError(index, MAX_INDEX);
      if (!ZERO_CHUNK_DIGEST.equals(digest)) count++;
    }
    const capacity = Math.max(1, Math.ceil(count / LOAD));
    const table = new BaseDigestTable(new Uint32Array(2 * capacity), new Uint32Array(capacity), 0);
    let seen = 0;
    let entries = 0;
    for await (const { index, digest } of source()) {
      if (ZERO_CHUNK_DIGEST.equals(digest)) continue;
      // More digests than counted would overfill the table: the source changed between passes.
      if (++seen > count) throw new BaseSourceChangedError(count, seen);
      if (table.insert(digest, index)) entries++;
    }
    if (seen !== count) throw new BaseSourceChangedError(count, seen);
    return new BaseDigestTable(table.keys, table.values, entries);
  }

  /** The index of a base chunk whose digest starts like `digest`, if any (confirm before use). */
  find(digest: Uint8Array): number | undefined {
    const [high, low] = prefix(digest);
    const capacity = this.values.length;
    for (let slot = high % capacity; ; slot = (slot + 1) % capacity) {
      const value = this.values[slot]!;
      if (value === 0) return undefined;
      if (this.keys[2 * slot] === high && this.keys[2 * slot + 1] === low) return value - 1;
    }
  }

  /** Bytes of the table's arrays. */
  get bytes(): number {
    return this.keys.byteLength + this.values.byteLength;
  }

  /** Inserts unless the prefix is present; true if inserted. */
  private insert(digest: Uint8Array, index: number): boolean {
    const [high, low] = prefix(digest);
    const capacity = this.values.length;
    for (let slot = high % capacity; ; slot = (slot + 1) % capacity) {
      if (this.values[slot] === 0) {
        this.keys[2 * slot] = high;
        this.keys[2 * slot + 1] = low;
        this.values[slot] = index + 1;
        return true;
      }
      if (this.keys[2 * slot] === high && this.keys[2 * slot + 1] === low) return false;
    }
  }
}

function prefix(digest: Uint8Array): [number, number] {
  const high = ((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0;
  const low = ((digest[4]! << 24) | (digest[5]! << 16) | (digest[6]! << 8) | digest[7]!) >>> 0;
  return [high, low];
}
