/** Chunks per bitmap page: 65536 chunks (256 MiB of image) in 8 KiB. */
const PAGE_BITS = 65536;

/**
 * A set of chunk indexes as a bitmap allocated in 8 KiB pages where chunks are present, so memory
 * follows what an overlay touches (8 KiB per touched 256 MiB), not the size of the image.
 *
 * @example const set = new ChunkSet(); set.add(70000); set.has(70000) // true
 */
export class ChunkSet {
  private readonly pages = new Map<number, Uint8Array>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  has(index: number): boolean {
    const page = this.pages.get(Math.floor(index / PAGE_BITS));
    const bit = index % PAGE_BITS;
    return page !== undefined && (page[bit >>> 3]! & (1 << (bit & 7))) !== 0;
  }

  /** Adds `index`; false if it was present already. */
  add(index: number): boolean {
    const key = Math.floor(index / PAGE_BITS);
    let page = this.pages.get(key);
    if (page === undefined) {
      page = new Uint8Array(PAGE_BITS / 8);
      this.pages.set(key, page);
    }
    const bit = index % PAGE_BITS;
    const mask = 1 << (bit & 7);
    if ((page[bit >>> 3]! & mask) !== 0) return false;
    page[bit >>> 3]! |= mask;
    this.count++;
    return true;
  }
}
