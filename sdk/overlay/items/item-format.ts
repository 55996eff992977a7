/**
 * Overlay item stream, format v1: the uncompressed content of one overlay blob. All integers are
 * little-endian.
 *
 * Stream header, 16 bytes:
 * | off | size | field                                   |
 * |-----|------|-----------------------------------------|
 * |  0  |  8   | magic "CLOVITEM"                        |
 * |  8  |  2   | version = 1                             |
 * | 10  |  2   | flags = 0 (reserved)                    |
 * | 12  |  4   | chunk size = 4096                       |
 *
 * Then items back to back, each a 16-byte header and its payload:
 * | off | size | field                                                            |
 * |-----|------|------------------------------------------------------------------|
 * |  0  |  1   | kind: 1 memory page, 2 disk chunk (0 = end record, below)        |
 * |  1  |  1   | encoding (table below)                                           |
 * |  2  |  2   | payload length in bytes                                          |
 * |  4  |  4   | reserved = 0                                                     |
 * |  8  |  8   | chunk index: memory page number or disk chunk number             |
 *
 * | code | encoding    | payload length | payload                                                          |
 * |------|-------------|----------------|------------------------------------------------------------------|
 * |  0   | raw         | 4096           | the chunk                                                        |
 * |  1   | zero        | 0              | — the chunk is 4096 zero bytes                                   |
 * |  2   | base-memory | 8              | u64 page number in the base memory                               |
 * |  3   | base-disk   | 8              | u64 chunk number in the base disk                                |
 * |  4   | self        | 9              | u8 kind, u64 index: an item earlier in this stream or in an earlier blob |
 * |  5   | xdelta3     | 1 … 4095       | VCDIFF patch against the base chunk at the same address          |
 * |  6   | xor         | 4096           | the chunk XOR the base chunk at the same address                 |
 *
 * End record, 16 bytes, exactly at the end of the stream: kind 0, encoding 0, payload length 0,
 * reserved 0, and in place of the chunk index the number of items before it (at most 65536).
 * No (kind, index) appears twice in a stream. A delta needs the base chunk at its own address, so
 * its index must also lie inside the base.
 */
import { CHUNK_SIZE } from '../../image/disk/chunk.js';
export const ITEM_MAGIC = Buffer.from('CLOVITEM', 'latin1');
export const ITEM_VERSION = 1;
/** The format's chunk is the disk chunk (4096 bytes, as the table says). */
export { CHUNK_SIZE };
export const STREAM_HEADER_BYTES = 16;
export const ITEM_HEADER_BYTES = 16;
export const END_RECORD_BYTES = ITEM_HEADER_BYTES;
/** Items per stream; bounds the reader's bookkeeping (one set entry per item). */
export const MAX_STREAM_ITEMS = 65536;
/** Indexes this format describes: 2^40 chunks, as overlay-meta. */
export const MAX_INDEX = 2 ** 40;

export const ITEM_KINDS = ['memory', 'disk'] as const;
/** What an overlay item belongs to: the disk or the memory. */
export type ItemKind = (typeof ITEM_KINDS)[number];
export const KIND_CODES: Record<ItemKind, number> = { memory: 1, disk: 2 };
export const END_KIND_CODE = 0;

export const ENCODINGS = ['raw', 'zero', 'base-memory', 'base-disk', 'self', 'xdelta3', 'xor'] as const;
/** How one overlay item is stored: raw, zero, a reference to a base or earlier chunk, or a delta (xdelta3, xor). */
export type Encoding = (typeof ENCODINGS)[number];

/** Payload lengths each encoding allows. */
export const PAYLOAD_LENGTHS: Record<Encoding, { min: number; max: number }> = {
  raw: { min: CHUNK_SIZE, max: CHUNK_SIZE },
  zero: { min: 0, max: 0 },
  'base-memory': { min: 8, max: 8 },
  'base-disk': { min: 8, max: 8 },
  self: { min: 9, max: 9 },
  xdelta3: { min: 1, max: CHUNK_SIZE - 1 },
  xor: { min: CHUNK_SIZE, max: CHUNK_SIZE },
};

/** Where an item lives: a memory page or a disk chunk of the VM being described. */
export interface ItemAddress {
  kind: ItemKind;
  index: number;
}

/** What an item says about its chunk's content. */
export type ItemBody =
  | { encoding: 'raw'; data: Buffer }
  | { encoding: 'zero' }
  | { encoding: 'base-memory'; page: number }
  | { encoding: 'base-disk'; chunk: number }
  | { encoding: 'self'; target: ItemAddress }
  | { encoding: 'xdelta3'; patch: Buffer }
  | { encoding: 'xor'; mask: Buffer };

export type OverlayItem = ItemAddress & ItemBody;

/** Sizes, in chunks (pages for memory), of the spaces items and their references address. */
export interface ItemLimits {
  memory: number;
  disk: number;
  baseMemory: number;
  baseDisk: number;
}

/**
 * One number per address, for sets and maps: index·2 + (1 for disk). Below 2^41, so exact.
 *
 * @example addressKey({ kind: 'disk', index: 5 }) // → 11
 */
export function addressKey(address: ItemAddress): number {
  return address.index * 2 + (address.kind === 'disk' ? 1 : 0);
}

/** Bytes an item takes in the stream, header included. */
export function encodedItemBytes(item: OverlayItem): number {
  return ITEM_HEADER_BYTES + payloadLength(item);
}

/** Length of the payload payloadOf would build, without building it. */
export function payloadLength(item: OverlayItem): number {
  switch (item.encoding) {
    case 'raw':
      return item.data.length;
    case 'xdelta3':
      return item.patch.length;
    case 'xor':
      return item.mask.length;
    default:
      return PAYLOAD_LENGTHS[item.encoding].min;
  }
}

/** The payload bytes of an item, as the table above lays them out. */
export function payloadOf(item: OverlayItem): Buffer {
  switch (item.encoding) {
    case 'raw':
      return item.data;
    case 'zero':
      return Buffer.alloc(0);
    case 'base-memory':
      return u64(item.page);
    case 'base-disk':
      return u64(item.chunk);
    case 'self':
      return Buffer.concat([Buffer.of(KIND_CODES[item.target.kind]), u64(item.target.index)]);
    case 'xdelta3':
      return item.patch;
    case 'xor':
      return item.mask;
  }
}

function u64(value: number): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return bytes;
}
