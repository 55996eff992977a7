import { normalizeRanges, type ChunkRange } from '../package/index.js';
import { InvalidItemError } from './errors.js';
import {
  addressKey,
  CHUNK_SIZE,
  encodedItemBytes,
  ENCODINGS,
  END_KIND_CODE,
  END_RECORD_BYTES,
  ITEM_HEADER_BYTES,
  ITEM_MAGIC,
  ITEM_VERSION,
  KIND_CODES,
  MAX_INDEX,
  MAX_STREAM_ITEMS,
  PAYLOAD_LENGTHS,
  payloadLength,
  payloadOf,
  STREAM_HEADER_BYTES,
  type ItemKind,
  type OverlayItem,
} from './item-format.js';

/** A finished item stream and the chunks its items hold, as overlay-meta records them per blob. */
export interface EncodedItemStream {
  bytes: Buffer;
  items: number;
  claims: Record<ItemKind, ChunkRange[]>;
}

/** The smallest useful stream: header, one raw item, end record. */
export const MIN_STREAM_CAPACITY = STREAM_HEADER_BYTES + ITEM_HEADER_BYTES + CHUNK_SIZE + END_RECORD_BYTES;

/**
 * Builds one item stream (item-format.ts) in a buffer of fixed capacity, so a blob's size is bounded
 * before it is compressed. Every item is checked as the reader would check it (payload length, index
 * range of the format, no address twice) and refused with InvalidItemError, so the writer cannot
 * produce a stream its reader refuses. Self references are the caller's to order: the target must
 * be added earlier, here or in an earlier blob.
 *
 * @example
 * const writer = new ItemStreamWriter(4 << 20);
 * if (writer.fits(item)) writer.add(item);
 * const { bytes, claims } = writer.finish();
 */
export class ItemStreamWriter {
  private readonly buffer: Buffer;
  private used = STREAM_HEADER_BYTES;
  private readonly seen = new Set<number>();
  private readonly runs: Record<ItemKind, ChunkRange[]> = { memory: [], disk: [] };
  private finished = false;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < MIN_STREAM_CAPACITY) {
      throw new RangeError(`item stream capacity ${capacity} is below ${MIN_STREAM_CAPACITY}`);
    }
    this.buffer = Buffer.allocUnsafe(capacity);
    ITEM_MAGIC.copy(this.buffer, 0);
    this.buffer.writeUInt16LE(ITEM_VERSION, 8);
    this.buffer.writeUInt16LE(0, 10);
    this.buffer.writeUInt32LE(CHUNK_SIZE, 12);
  }

  /** Items added so far. */
  get count(): number {
    return this.seen.size;
  }

  /** Bytes the stream would have if finished now. */
  get size(): number {
    return this.used + END_RECORD_BYTES;
  }

  /** Whether `item` still fits (by bytes and by the per-stream item limit). */
  fits(item: OverlayItem): boolean {
    return this.seen.size < MAX_STREAM_ITEMS && this.size + encodedItemBytes(item) <= this.capacity;
  }

  add(item: OverlayItem): void {
    if (this.finished) throw new RangeError('item stream already finished');
    this.check(item, payloadLength(item));
    if (!this.fits(item)) throw new InvalidItemError(this.used, { kind: item.kind, index: item.index }, `does not fit: ${this.size} of ${this.capacity} bytes, ${this.count} items used`);
    const at = this.used;
    const payload = payloadOf(item);
    this.buffer.writeUInt8(KIND_CODES[item.kind], at);
    this.buffer.writeUInt8(ENCODINGS.indexOf(item.encoding), at + 1);
    this.buffer.writeUInt16LE(payload.length, at + 2);
    this.buffer.writeUInt32LE(0, at + 4);
    this.buffer.writeBigUInt64LE(BigInt(item.index), at + 8);
    payload.copy(this.buffer, at + ITEM_HEADER_BYTES);
    this.used += ITEM_HEADER_BYTES + payload.length;
    this.seen.add(addressKey(item));
    extendRuns(this.runs[item.kind], item.index);
  }

  /** Writes the end record and hands out the stream; the writer is spent afterwards. */
  finish(): EncodedItemStream {
    this.finished = true;
    const at = this.used;
    this.buffer.fill(0, at, at + 8);
    this.buffer.writeBigUInt64LE(BigInt(this.seen.size), at + 8);
    this.buffer.writeUInt8(END_KIND_CODE, at);
    return {
      bytes: this.buffer.subarray(0, at + END_RECORD_BYTES),
      items: this.seen.size,
      claims: { memory: normalizeRanges(this.runs.memory), disk: normalizeRanges(this.runs.disk) },
    };
  }

  private check(item: OverlayItem, payloadLength: number): void {
    const refuse = (problem: string) => new InvalidItemError(this.used, { kind: item.kind, index: item.index }, problem);
    if (!Number.isSafeInteger(item.index) || item.index < 0 || item.index >= MAX_INDEX) throw refuse('index outside 0…2^40');
    const allowed = PAYLOAD_LENGTHS[item.encoding];
    if (payloadLength < allowed.min || payloadLength > allowed.max) throw refuse(`${item.encoding} payload of ${payloadLength} bytes`);
    const reference = item.encoding === 'base-memory' ? item.page : item.encoding === 'base-disk' ? item.chunk : item.encoding === 'self' ? item.target.index : 0;
    if (!Number.isSafeInteger(reference) || reference < 0 || reference >= MAX_INDEX) throw refuse(`reference ${reference} outside 0…2^40`);
    if (item.encoding === 'self' && addressKey(item.target) === addressKey(item)) throw refuse('refers to itself');
    if (this.seen.has(addressKey(item))) throw refuse('appears twice');
  }
}

/** Appends `index` to sorted-ish runs, extending the last run when it continues it. */
function extendRuns(runs: ChunkRange[], index: number): void {
  const last = runs[runs.length - 1];
  if (last !== undefined && last.first + last.count === index) last.count++;
  else runs.push({ first: index, count: 1 });
}
