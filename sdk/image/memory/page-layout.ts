/**
 * The flat page space of a VM's RAM: the snapshot's RAM blocks one after another in the order the
 * stream declares them, so that page n of the space is one (block, offset) and back. Overlay items
 * address memory by these page numbers, and base VMs keep their RAM as a flat file in it.
 *
 * | pages                  | content                       |
 * |------------------------|-------------------------------|
 * | 0 … L0/4096 − 1        | block 0 (pc.ram), offset 0 …  |
 * | L0/4096 … +L1/4096 − 1 | block 1 (pc.bios)             |
 */
import { PAGE_SIZE, type RamBlock } from './stream-format.js';
import { CloudletError } from '../../errors/cloudlet-error.js';

/** Two memory snapshots (or a snapshot and an overlay) declare different RAM block lists: not the same VM. */
export class BlockLayoutMismatchError extends CloudletError {
  static override readonly code: string = 'memory-block-layout-mismatch';
  constructor(readonly expected: readonly RamBlock[], readonly actual: readonly RamBlock[]) {
    super(`RAM block lists differ: ${describe(expected)} vs ${describe(actual)}; snapshots must come from the same VM configuration`);
  }
}

/** A page address outside the flat page layout. */
export class PageAddressError extends CloudletError {
  static override readonly code: string = 'memory-page-address';
  constructor(readonly block: string, readonly offset: number) {
    super(`page ${block}+0x${offset.toString(16)} is not in the RAM block layout`);
  }
}

function describe(blocks: readonly RamBlock[]): string {
  return blocks.map((block) => `${block.id}:${block.length}`).join(',');
}


export class PageLayout {
  readonly blocks: readonly RamBlock[];
  /** First page number of each block, in block order. */
  readonly #firsts: number[] = [];
  readonly #byId = new Map<string, number>();
  /** Pages in the space. */
  readonly pages: number;

  /** @example new PageLayout(stream.header.blocks).pageOf('pc.bios', 0) */
  constructor(blocks: readonly RamBlock[]) {
    this.blocks = blocks.map((block) => ({ id: block.id, length: block.length }));
    let next = 0;
    for (const [i, block] of this.blocks.entries()) {
      this.#firsts.push(next);
      this.#byId.set(block.id, i);
      next += block.length / PAGE_SIZE;
    }
    this.pages = next;
  }

  /** Bytes of the space. */
  get bytes(): number {
    return this.pages * PAGE_SIZE;
  }

  pageOf(block: string, offset: number): number {
    const i = this.#byId.get(block);
    if (i === undefined || offset % PAGE_SIZE !== 0 || offset < 0 || offset >= this.blocks[i]!.length) throw new PageAddressError(block, offset);
    return this.#firsts[i]! + offset / PAGE_SIZE;
  }

  addressOf(page: number): { block: string; offset: number } {
    if (!Number.isInteger(page) || page < 0 || page >= this.pages) throw new PageAddressError('(flat)', page * PAGE_SIZE);
    let low = 0;
    let high = this.#firsts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.#firsts[mid]! <= page) low = mid;
      else high = mid - 1;
    }
    return { block: this.blocks[low]!.id, offset: (page - this.#firsts[low]!) * PAGE_SIZE };
  }

  /** Throws BlockLayoutMismatchError unless `other` declares the same blocks in the same order. */
  assertSame(other: readonly RamBlock[]): void {
    const same = other.length === this.blocks.length && other.every((b, i) => b.id === this.blocks[i]!.id && b.length === this.blocks[i]!.length);
    if (!same) throw new BlockLayoutMismatchError(this.blocks, other);
  }
}
