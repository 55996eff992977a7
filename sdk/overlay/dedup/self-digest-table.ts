import type { ItemAddress } from '../items/index.js';

const DIGEST_BYTES = 32;
const INITIAL_CAPACITY = 1024;
/** Grow (double) past this load. */
const LOAD = 0.75;

/**
 * The items of the overlay being built, by the SHA-256 of their content: an open-addressing table of
 * full digests (32 bytes) and addresses (a float64 holding index·2 + kind, plus one). Full digests
 * make a hit certain without reading the item back, which matters because the customized VM's
 * chunks arrive as streams. 40 bytes a slot, 53–107 bytes per distinct item (13–27 MiB per GiB of
 * distinct new content); only content-bearing items go in.
 */
export class SelfDigestTable {
  private digests = Buffer.alloc(INITIAL_CAPACITY * DIGEST_BYTES);
  private values = new Float64Array(INITIAL_CAPACITY);
  private count = 0;

  get entries(): number {
    return this.count;
  }

  get bytes(): number {
    return this.digests.length + this.values.byteLength;
  }

  /** The earliest item added with this digest. */
  find(digest: Uint8Array): ItemAddress | undefined {
    const slot = this.slotOf(digest);
    const value = this.values[slot]!;
    return value === 0 ? undefined : { kind: (value - 1) % 2 === 1 ? 'disk' : 'memory', index: Math.floor((value - 1) / 2) };
  }

  /** Records `address` for `digest` unless an earlier item has the same digest. */
  add(digest: Uint8Array, address: ItemAddress): void {
    if ((this.count + 1) / this.values.length > LOAD) this.grow();
    const slot = this.slotOf(digest);
    if (this.values[slot] !== 0) return;
    this.digests.set(digest.subarray(0, DIGEST_BYTES), slot * DIGEST_BYTES);
    this.values[slot] = address.index * 2 + (address.kind === 'disk' ? 1 : 0) + 1;
    this.count++;
  }

  /** The slot holding `digest`, or the empty slot where it would go. */
  private slotOf(digest: Uint8Array): number {
    const capacity = this.values.length;
    const start = (((digest[0]! << 24) | (digest[1]! << 16) | (digest[2]! << 8) | digest[3]!) >>> 0) % capacity;
    for (let slot = start; ; slot = (slot + 1) % capacity) {
      if (this.values[slot] === 0) return slot;
      if (this.digests.compare(digest, 0, DIGEST_BYTES, slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES) === 0) return slot;
    }
  }

  private grow(): void {
    const { digests, values } = this;
    this.digests = Buffer.alloc(digests.length * 2);
    this.values = new Float64Array(values.length * 2);
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] === 0) continue;
      const digest = digests.subarray(slot * DIGEST_BYTES, (slot + 1) * DIGEST_BYTES);
      const target = this.slotOf(digest);
      this.digests.set(digest, target * DIGEST_BYTES);
      this.values[target] = values[slot]!;
    }
  }
}
