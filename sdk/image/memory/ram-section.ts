/**
 * RAM records inside the "ram" sections (layout table in stream-format.ts): the block list of the
 * START section, page records, EOS. Parsing and encoding sit side by side so they cannot drift.
 */
import type { ByteReader } from './byte-reader.js';
import { BlockListError, MalformedStreamError, PageOutOfRangeError, UnsupportedRamFlagsError } from './errors.js';
import { describeRamFlags, PAGE_FLAGS_MASK, PAGE_SIZE, RamFlag, type RamBlock, type RamPage, type StreamPage } from './stream-format.js';

const TWO_32 = 2 ** 32;

/** Reads the START section's MEM_SIZE record and block list (not the EOS after it). */
export async function readBlockList(reader: ByteReader): Promise<RamBlock[]> {
  const recordOffset = reader.offset;
  await reader.need(8, 'RAM MEM_SIZE record');
  const { flags, addr: total } = splitRecordHeader(reader.u64Parts());
  if (flags !== RamFlag.MEM_SIZE) {
    if (flags & ~(RamFlag.MEM_SIZE | RamFlag.ZERO | RamFlag.PAGE | RamFlag.EOS | RamFlag.CONTINUE)) {
      throw new UnsupportedRamFlagsError(recordOffset, flags, describeRamFlags(flags));
    }
    throw new MalformedStreamError(recordOffset, 'RAM START section must open with MEM_SIZE', describeRamFlags(flags));
  }
  if (total === 0) throw new BlockListError(recordOffset, 'empty-list', 'MEM_SIZE total is 0');
  const blocks: RamBlock[] = [];
  const seen = new Set<string>();
  let sum = 0;
  while (sum < total) {
    const entryOffset = reader.offset;
    await reader.need(1, 'RAM block id length');
    const idLength = reader.u8();
    if (idLength === 0) throw new BlockListError(entryOffset, 'empty-id', 'block id of length 0');
    await reader.need(idLength + 8, 'RAM block id and length');
    const id = reader.latin1(idLength);
    const [high, low] = reader.u64Parts();
    const length = high * TWO_32 + low;
    if (!Number.isSafeInteger(length) || length === 0 || length % PAGE_SIZE !== 0) {
      throw new BlockListError(entryOffset, 'unaligned-length', `block "${id}" length ${length}`);
    }
    if (seen.has(id)) throw new BlockListError(entryOffset, 'duplicate-id', `block "${id}" listed twice`);
    seen.add(id);
    blocks.push({ id, length });
    sum += length;
  }
  if (sum !== total) throw new BlockListError(reader.offset, 'length-sum', `block lengths sum to ${sum}, MEM_SIZE says ${total}`);
  return blocks;
}

/**
 * Reads page records up to and including EOS. Remembers the last block across sections, as QEMU's
 * loader does, so a CONTINUE at the start of a section resolves correctly.
 */
export class RamRecordParser {
  readonly #blocks: Map<string, RamBlock>;
  #last: RamBlock | undefined;

  constructor(blocks: readonly RamBlock[]) {
    this.#blocks = new Map(blocks.map((block) => [block.id, block]));
  }

  /** The next page of the current section, or undefined once its EOS has been read. */
  async next(reader: ByteReader): Promise<StreamPage | undefined> {
    const recordOffset = reader.offset;
    await reader.need(8, 'RAM record header');
    const { flags, addr } = splitRecordHeader(reader.u64Parts());
    if (flags === RamFlag.EOS) {
      if (addr !== 0) throw new MalformedStreamError(recordOffset, 'EOS record with an address', String(addr));
      return undefined;
    }
    const kind = flags & ~RamFlag.CONTINUE;
    if (kind !== RamFlag.ZERO && kind !== RamFlag.PAGE) {
      throw new UnsupportedRamFlagsError(recordOffset, flags, describeRamFlags(flags));
    }
    const continued = (flags & RamFlag.CONTINUE) !== 0;
    const block = continued ? this.#last : await this.#readBlockName(reader);
    if (!block) throw new MalformedStreamError(recordOffset, 'CONTINUE record with no previous block', describeRamFlags(flags));
    if (addr >= block.length) throw new PageOutOfRangeError(recordOffset, block.id, addr, block.length);
    this.#last = block;
    if (kind === RamFlag.ZERO) {
      await reader.need(1, 'ZERO page fill byte');
      const fillOffset = reader.offset;
      const fill = reader.u8();
      // QEMU has only ever written 0 since 2.x; a non-zero fill would be a whole page of that byte.
      if (fill !== 0) throw new MalformedStreamError(fillOffset, 'ZERO page with a non-zero fill byte', `0x${fill.toString(16)}`);
      return { block: block.id, offset: addr, zero: true, recordOffset, dataOffset: -1, continued };
    }
    await reader.need(PAGE_SIZE, 'page data');
    const dataOffset = reader.offset;
    return { block: block.id, offset: addr, zero: false, data: reader.bytes(PAGE_SIZE), recordOffset, dataOffset, continued };
  }

  async #readBlockName(reader: ByteReader): Promise<RamBlock> {
    const nameOffset = reader.offset;
    await reader.need(1, 'RAM block id length');
    const length = reader.u8();
    await reader.need(length, 'RAM block id');
    const id = reader.latin1(length);
    const block = this.#blocks.get(id);
    if (!block) throw new PageOutOfRangeError(nameOffset, id, 0, -1);
    return block;
  }
}

function splitRecordHeader([high, low]: [number, number]): { flags: number; addr: number } {
  const flags = low & PAGE_FLAGS_MASK;
  // Beyond 2^53 the address is imprecise, but it is then far beyond any block and refused anyway.
  return { flags, addr: high * TWO_32 + (low - flags) };
}

/** The u64 `addr | flags` that opens every RAM record. */
export function encodeRecordHeader(addr: number, flags: number): Buffer {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32BE(Math.floor(addr / TWO_32), 0);
  header.writeUInt32BE((addr % TWO_32) + flags, 4);
  return header;
}

/** MEM_SIZE record + block list, as ram_save_setup writes them (no EOS). */
export function encodeBlockList(blocks: readonly RamBlock[]): Buffer {
  const total = blocks.reduce((sum, block) => sum + block.length, 0);
  const parts = [encodeRecordHeader(total, RamFlag.MEM_SIZE)];
  for (const block of blocks) {
    const id = Buffer.from(block.id, 'latin1');
    parts.push(Buffer.from([id.length]), id, encodeRecordHeader(block.length, 0));
  }
  return Buffer.concat(parts);
}

/** One page record; `continued` drops the block name (only valid right after a record of the same block). */
export function encodePageRecord(page: RamPage, continued: boolean): Buffer[] {
  const flags = (page.zero ? RamFlag.ZERO : RamFlag.PAGE) | (continued ? RamFlag.CONTINUE : 0);
  const parts = [encodeRecordHeader(page.offset, flags)];
  if (!continued) {
    const id = Buffer.from(page.block, 'latin1');
    parts.push(Buffer.from([id.length]), id);
  }
  parts.push(page.zero ? Buffer.from([0]) : Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength));
  return parts;
}

const ZERO_PAGE = Buffer.alloc(PAGE_SIZE);

/** Bytes encodePageRun may need for `pages` pages of a block named `block`. */
export function pageRunBound(block: string, pages: number): number {
  return pages * (8 + PAGE_SIZE) + 1 + Buffer.byteLength(block, 'latin1');
}

/**
 * Records for the consecutive pages in `data` (whole pages) of `block` from `offset` on, written
 * into `out` (at least pageRunBound bytes): all-zero pages as ZERO records, the rest as PAGE
 * records; only the first names the block, and not even that one when `continued`. Returns the
 * encoded view of `out`.
 */
export function encodePageRun(block: string, offset: number, data: Uint8Array, continued: boolean, out: Buffer): Buffer {
  const id = Buffer.from(block, 'latin1');
  const pages = data.length / PAGE_SIZE;
  if (out.length < pageRunBound(block, pages)) throw new RangeError(`${out.length} bytes cannot hold ${pages} page records`);
  let at = 0;
  for (let i = 0; i < pages; i++) {
    const page = Buffer.from(data.buffer, data.byteOffset + i * PAGE_SIZE, PAGE_SIZE);
    const zero = page.equals(ZERO_PAGE);
    const named = i === 0 && !continued;
    const addr = offset + i * PAGE_SIZE;
    out.writeUInt32BE(Math.floor(addr / TWO_32), at);
    out.writeUInt32BE((addr % TWO_32) + (zero ? RamFlag.ZERO : RamFlag.PAGE) + (named ? 0 : RamFlag.CONTINUE), at + 4);
    at += 8;
    if (named) {
      out[at++] = id.length;
      at += id.copy(out, at);
    }
    if (zero) out[at++] = 0;
    else at += page.copy(out, at);
  }
  return out.subarray(0, at);
}

export const EOS_RECORD = encodeRecordHeader(0, RamFlag.EOS);
