import { countChunks, type ChunkRange } from '../package/index.js';
import { ByteInput } from './byte-input.js';
import {
  DuplicateItemError,
  ItemCountError,
  ItemFieldError,
  ItemHeaderError,
  ItemLengthError,
  ItemRangeError,
  ItemVersionError,
  MissingReferenceError,
  TrailingBytesError,
  TruncatedItemStreamError,
  UnclaimedItemError,
} from './errors.js';
import {
  addressKey,
  CHUNK_SIZE,
  ENCODINGS,
  END_KIND_CODE,
  ITEM_HEADER_BYTES,
  ITEM_KINDS,
  ITEM_MAGIC,
  ITEM_VERSION,
  MAX_STREAM_ITEMS,
  PAYLOAD_LENGTHS,
  STREAM_HEADER_BYTES,
  type Encoding,
  type ItemAddress,
  type ItemBody,
  type ItemKind,
  type ItemLimits,
  type OverlayItem,
} from './item-format.js';

export interface DecodeItemsOptions {
  limits: ItemLimits;
  /** The chunks the stream must hold, exactly (its blob's entry in overlay-meta); unchecked if absent. */
  claims?: Readonly<Record<ItemKind, readonly ChunkRange[]>>;
  /** Whether an item of an earlier blob holds `target`, for self references that leave this stream. */
  earlier?: (target: ItemAddress) => boolean;
}

/** An item and the stream offset of its header. */
export type DecodedItem = OverlayItem & { offset: number };

/**
 * Parses an item stream (item-format.ts) as it arrives, yielding each item once it is complete and
 * checked. Every length is checked against its encoding before the payload is buffered, every index
 * against `limits`, every self reference against the items seen so far (and `earlier`). Anything
 * else is an ItemStreamError subclass carrying the stream offset. Payloads are private copies.
 *
 * @example
 * for await (const item of decodeItems(decompressed, { limits: { memory: 65536, disk: 2097152, baseMemory: 65536, baseDisk: 2097152 } })) {
 *   apply(item);
 * }
 */
export async function* decodeItems(source: AsyncIterable<Uint8Array>, options: DecodeItemsOptions): AsyncGenerator<DecodedItem> {
  const input = new ByteInput(source);
  try {
    await readStreamHeader(input);
    const seen = new Set<number>();
    for (;;) {
      const at = input.offset;
      const header = await need(input, ITEM_HEADER_BYTES);
      const kindCode = header.readUInt8(0);
      const encodingCode = header.readUInt8(1);
      const length = header.readUInt16LE(2);
      const reserved = header.readUInt32LE(4);
      const index = u64(header, 8);
      if (kindCode === END_KIND_CODE) {
        if (encodingCode !== 0) throw new ItemFieldError(at + 1, 'end record encoding', encodingCode);
        if (length !== 0) throw new ItemFieldError(at + 2, 'end record length', length);
        if (reserved !== 0) throw new ItemFieldError(at + 4, 'reserved', reserved);
        if (index !== seen.size) throw new ItemCountError(at + 8, 'end-record', seen.size, index);
        const claimed = options.claims === undefined ? seen.size : countChunks(options.claims.memory) + countChunks(options.claims.disk);
        if (claimed !== seen.size) throw new ItemCountError(at, 'claims', claimed, seen.size);
        if (!(await input.atEnd())) throw new TrailingBytesError(input.offset);
        return;
      }
      const kind = ITEM_KINDS[kindCode - 1];
      if (kind === undefined) throw new ItemFieldError(at, 'kind', kindCode);
      const encoding = ENCODINGS[encodingCode];
      if (encoding === undefined) throw new ItemFieldError(at + 1, 'encoding', encodingCode);
      if (reserved !== 0) throw new ItemFieldError(at + 4, 'reserved', reserved);
      const allowed = PAYLOAD_LENGTHS[encoding];
      if (length < allowed.min || length > allowed.max) throw new ItemLengthError(at + 2, encoding, length, allowed.min, allowed.max);
      checkIndex(at + 8, kind, index, options.limits);
      if (seen.size >= MAX_STREAM_ITEMS) throw new ItemCountError(at, 'limit', MAX_STREAM_ITEMS, seen.size + 1);
      const address = { kind, index };
      if (seen.has(addressKey(address))) throw new DuplicateItemError(at, address);
      if (options.claims !== undefined && !inRanges(options.claims[kind], index)) throw new UnclaimedItemError(at, address);
      if ((encoding === 'xdelta3' || encoding === 'xor') && index >= baseLimit(kind, options.limits)) {
        throw new ItemRangeError(at + 8, kind === 'memory' ? 'base-memory' : 'base-disk', index, baseLimit(kind, options.limits));
      }
      const payload = await need(input, length);
      const body = readBody(at + ITEM_HEADER_BYTES, encoding, payload, options, seen);
      seen.add(addressKey(address));
      yield { ...address, ...body, offset: at };
    }
  } finally {
    await input.close();
  }
}

async function readStreamHeader(input: ByteInput): Promise<void> {
  const header = await need(input, STREAM_HEADER_BYTES);
  if (!header.subarray(0, 8).equals(ITEM_MAGIC)) throw new ItemHeaderError(0, 'magic', ITEM_MAGIC.toString('hex'), header.toString('hex', 0, 8));
  const version = header.readUInt16LE(8);
  if (version !== ITEM_VERSION) throw new ItemVersionError(8, version, ITEM_VERSION);
  const flags = header.readUInt16LE(10);
  if (flags !== 0) throw new ItemHeaderError(10, 'flags', 0, flags);
  const chunkSize = header.readUInt32LE(12);
  if (chunkSize !== CHUNK_SIZE) throw new ItemHeaderError(12, 'chunk size', CHUNK_SIZE, chunkSize);
}

function readBody(at: number, encoding: Encoding, payload: Buffer, options: DecodeItemsOptions, seen: ReadonlySet<number>): ItemBody {
  switch (encoding) {
    case 'raw':
      return { encoding, data: Buffer.from(payload) };
    case 'zero':
      return { encoding };
    case 'base-memory': {
      const page = u64(payload, 0);
      if (page >= options.limits.baseMemory) throw new ItemRangeError(at, 'base-memory', page, options.limits.baseMemory);
      return { encoding, page };
    }
    case 'base-disk': {
      const chunk = u64(payload, 0);
      if (chunk >= options.limits.baseDisk) throw new ItemRangeError(at, 'base-disk', chunk, options.limits.baseDisk);
      return { encoding, chunk };
    }
    case 'self': {
      const kind = ITEM_KINDS[payload.readUInt8(0) - 1];
      if (kind === undefined) throw new ItemFieldError(at, 'reference kind', payload.readUInt8(0));
      const target = { kind, index: u64(payload, 1) };
      checkIndex(at + 1, kind, target.index, options.limits);
      if (!seen.has(addressKey(target)) && options.earlier?.(target) !== true) throw new MissingReferenceError(at, target);
      return { encoding, target };
    }
    case 'xdelta3':
      return { encoding, patch: Buffer.from(payload) };
    case 'xor':
      return { encoding, mask: Buffer.from(payload) };
  }
}

async function need(input: ByteInput, count: number): Promise<Buffer> {
  const at = input.offset;
  const available = await input.fill(count);
  if (available < count) throw new TruncatedItemStreamError(at, count, available);
  return input.take(count);
}

function checkIndex(at: number, kind: ItemKind, index: number, limits: ItemLimits): void {
  if (index >= limits[kind]) throw new ItemRangeError(at, kind, index, limits[kind]);
}

function baseLimit(kind: ItemKind, limits: ItemLimits): number {
  return kind === 'memory' ? limits.baseMemory : limits.baseDisk;
}

/** A u64 as a number; values past 2^53 round, which still compares as out of range. */
function u64(bytes: Buffer, at: number): number {
  return Number(bytes.readBigUInt64LE(at));
}

/** Binary search in sorted, disjoint runs. */
function inRanges(ranges: readonly ChunkRange[], index: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const range = ranges[middle]!;
    if (index < range.first) high = middle - 1;
    else if (index >= range.first + range.count) low = middle + 1;
    else return true;
  }
  return false;
}
