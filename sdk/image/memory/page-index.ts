/**
 * The final state of every page of a snapshot, without its data: zero or not, a SHA-256 of the
 * content, and the file offset of the latest copy (a live-migration stream can send a page several
 * times; the last copy is what the guest had). 41 bytes per 4 KiB page: 2.6 MB for a 256 MB guest.
 * Two indexes of the same VM give the page-level diff; PageFile reads the data back on demand.
 */
import { createHash } from 'node:crypto';
import { BlockListError, PageOutOfRangeError } from './errors.js';
import { PAGE_SIZE, type RamBlock, type StreamPage } from './stream-format.js';
import type { MigrationStreamReader } from './stream-reader.js';

export interface PageEntry {
  block: string;
  offset: number;
  zero: boolean;
  /** File offset of the page's 4096 bytes; -1 for a zero page. */
  dataOffset: number;
  /** SHA-256 of the page content (of 4096 zero bytes for a zero page), so equal content compares equal. */
  digest: Buffer;
}

/** A page position where two indexes differ; `base`/`next` is undefined where that snapshot lacks the page. */
export interface PageChange {
  block: string;
  offset: number;
  base: PageEntry | undefined;
  next: PageEntry | undefined;
}

const ABSENT = 0;
const ZERO = 1;
const DATA = 2;
const DIGEST_SIZE = 32;
const ZERO_DIGEST = createHash('sha256').update(Buffer.alloc(PAGE_SIZE)).digest();

interface BlockPages {
  block: RamBlock;
  state: Uint8Array;
  dataOffsets: Float64Array;
  digests: Buffer;
}

export class PageIndex {
  readonly blocks: readonly RamBlock[];
  readonly #byId = new Map<string, BlockPages>();
  /** Page records seen, and how many of them replaced an earlier copy of the same page. */
  readonly stats = { records: 0, rewrites: 0 };

  constructor(blocks: readonly RamBlock[]) {
    this.blocks = blocks.map((block) => ({ ...block }));
    for (const block of this.blocks) {
      const pages = block.length / PAGE_SIZE;
      this.#byId.set(block.id, { block, state: new Uint8Array(pages), dataOffsets: new Float64Array(pages), digests: Buffer.alloc(pages * DIGEST_SIZE) });
    }
  }

  /**
   * Reads every page of `stream` (leaving its device state unread) into a new index.
   *
   * @example
   * const stream = await MigrationStreamReader.openFile('vm.mem');
   * const index = await PageIndex.fromStream(stream);
   * const deviceState = await stream.deviceState();
   */
  static async fromStream(stream: MigrationStreamReader): Promise<PageIndex> {
    const index = new PageIndex(stream.header.blocks);
    for await (const page of stream.pages()) index.record(page);
    return index;
  }

  /** Records a page read from a stream; a later record of the same page replaces the earlier one. */
  record(page: StreamPage): void {
    const pages = this.#byId.get(page.block);
    const slot = page.offset / PAGE_SIZE;
    if (!pages || !Number.isInteger(slot) || slot < 0 || slot >= pages.state.length) {
      throw new PageOutOfRangeError(page.recordOffset, page.block, page.offset, pages?.block.length ?? -1);
    }
    this.stats.records++;
    if (pages.state[slot] !== ABSENT) this.stats.rewrites++;
    pages.state[slot] = page.zero ? ZERO : DATA;
    pages.dataOffsets[slot] = page.dataOffset;
    const digest = page.zero ? ZERO_DIGEST : createHash('sha256').update(page.data).digest();
    digest.copy(pages.digests, slot * DIGEST_SIZE);
  }

  get(block: string, offset: number): PageEntry | undefined {
    const pages = this.#byId.get(block);
    if (!pages || offset % PAGE_SIZE !== 0 || offset < 0 || offset >= pages.block.length) return undefined;
    return entryAt(pages, offset / PAGE_SIZE);
  }

  /** Present pages in block-list order, ascending offset within a block. */
  *entries(): Generator<PageEntry> {
    for (const block of this.blocks) {
      const pages = this.#byId.get(block.id)!;
      for (let slot = 0; slot < pages.state.length; slot++) {
        const entry = entryAt(pages, slot);
        if (entry) yield entry;
      }
    }
  }

  /** Counts of the final page states. */
  counts(): { data: number; zero: number; absent: number } {
    const counts = { data: 0, zero: 0, absent: 0 };
    for (const pages of this.#byId.values()) {
      for (const state of pages.state) {
        if (state === DATA) counts.data++;
        else if (state === ZERO) counts.zero++;
        else counts.absent++;
      }
    }
    return counts;
  }
}

/**
 * The pages whose content differs between two snapshots of the same VM (same block list).
 *
 * @example
 * for (const change of changedPages(before, after)) console.log(change.block, change.offset);
 */
export function* changedPages(base: PageIndex, next: PageIndex): Generator<PageChange> {
  const same = base.blocks.length === next.blocks.length && base.blocks.every((b, i) => b.id === next.blocks[i]!.id && b.length === next.blocks[i]!.length);
  if (!same) throw new BlockListError(0, 'mismatch', `${describeBlocks(base.blocks)} vs ${describeBlocks(next.blocks)}`);
  for (const block of next.blocks) {
    for (let offset = 0; offset < block.length; offset += PAGE_SIZE) {
      const before = base.get(block.id, offset);
      const after = next.get(block.id, offset);
      if (before === undefined && after === undefined) continue;
      if (before && after && before.digest.equals(after.digest)) continue;
      yield { block: block.id, offset, base: before, next: after };
    }
  }
}

function entryAt(pages: BlockPages, slot: number): PageEntry | undefined {
  const state = pages.state[slot];
  if (state === ABSENT) return undefined;
  return {
    block: pages.block.id,
    offset: slot * PAGE_SIZE,
    zero: state === ZERO,
    dataOffset: state === ZERO ? -1 : pages.dataOffsets[slot]!,
    digest: pages.digests.subarray(slot * DIGEST_SIZE, (slot + 1) * DIGEST_SIZE),
  };
}

function describeBlocks(blocks: readonly RamBlock[]): string {
  return blocks.map((block) => `${block.id}:${block.length}`).join(',');
}
