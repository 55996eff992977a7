/**
 * The ZIP64 records (PKWARE APPNOTE 6.3.10, §4.3.14, §4.3.15, §4.5.3) an archive needs once an
 * offset passes what 32 bits hold: overlays beyond 4 GiB. Members themselves stay below 4 GiB
 * (blobs are bounded far lower), so only offsets, the directory's place and size and the entry
 * count ever move into ZIP64 fields. All integers little-endian.
 *
 * Extended information extra field, in a central header whose offset field is 0xffffffff:
 * | off | size | field                                   |
 * |-----|------|-----------------------------------------|
 * |  0  |  2   | tag 0x0001                              |
 * |  2  |  2   | data size = 8                           |
 * |  4  |  8   | local header offset                     |
 *
 * ZIP64 end of central directory record, 56 bytes, right before the locator:
 * | off | size | field                                   | we write |
 * |-----|------|-----------------------------------------|----------|
 * |  0  |  4   | signature 0x06064b50                    |          |
 * |  4  |  8   | size of the rest of the record          | 44       |
 * | 12  |  2   | version made by, 14 (2) version needed  | 45, 45   |
 * | 16  |  4   | this disk, 20 (4) disk with directory   | 0, 0     |
 * | 24  |  8   | entries on this disk, 32 (8) total      | equal    |
 * | 40  |  8   | central directory size                  |          |
 * | 48  |  8   | central directory offset                |          |
 *
 * ZIP64 end of central directory locator, 20 bytes, right before the end record:
 * | off | size | field                                   | we write |
 * |-----|------|-----------------------------------------|----------|
 * |  0  |  4   | signature 0x07064b50                    |          |
 * |  4  |  4   | disk with the ZIP64 end record          | 0        |
 * |  8  |  8   | offset of the ZIP64 end record          |          |
 * | 16  |  4   | total disks                             | 1        |
 */

export const ZIP64_EXTRA_TAG = 0x0001;
export const ZIP64_END_SIGNATURE = 0x06064b50;
export const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
export const ZIP64_END_BYTES = 56;
export const ZIP64_LOCATOR_BYTES = 20;
/** What a 32-bit field holds to say "the value is in the ZIP64 record"; 0xffff for 16-bit fields. */
export const ZIP64_MARK_32 = 0xffffffff;
export const ZIP64_MARK_16 = 0xffff;
/** Version needed to extract an archive with ZIP64 records: 4.5. */
export const ZIP64_VERSION = 45;

/** What a ZIP64 end record says about the central directory. */
export interface Zip64End {
  entries: number;
  centralSize: number;
  centralOffset: number;
}

/** The extra field that carries a local header offset past 32 bits. */
export function encodeZip64OffsetExtra(localHeaderOffset: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt16LE(ZIP64_EXTRA_TAG, 0);
  b.writeUInt16LE(8, 2);
  b.writeBigUInt64LE(BigInt(localHeaderOffset), 4);
  return b;
}

/** The ZIP64 end record at `at` followed by its locator. */
export function encodeZip64End(end: Zip64End, at: number): Buffer {
  const b = Buffer.alloc(ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES);
  b.writeUInt32LE(ZIP64_END_SIGNATURE, 0);
  b.writeBigUInt64LE(BigInt(ZIP64_END_BYTES - 12), 4);
  b.writeUInt16LE(ZIP64_VERSION, 12);
  b.writeUInt16LE(ZIP64_VERSION, 14);
  b.writeBigUInt64LE(BigInt(end.entries), 24);
  b.writeBigUInt64LE(BigInt(end.entries), 32);
  b.writeBigUInt64LE(BigInt(end.centralSize), 40);
  b.writeBigUInt64LE(BigInt(end.centralOffset), 48);
  b.writeUInt32LE(ZIP64_LOCATOR_SIGNATURE, ZIP64_END_BYTES);
  b.writeBigUInt64LE(BigInt(at), ZIP64_END_BYTES + 8);
  b.writeUInt32LE(1, ZIP64_END_BYTES + 16);
  return b;
}

/** A u64 as a number, or undefined past 2^53 (no file is that large). */
export function safeU64(bytes: Buffer, at: number): number | undefined {
  const value = bytes.readBigUInt64LE(at);
  return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : undefined;
}

/**
 * Checks the ZIP64 end record and its locator (`records`, read from file offset `at`): the locator
 * points right before itself, nothing lies in between, no extensible data, one disk, counts that
 * fit a number. Returns what the record says, or the problem and where.
 */
export function parseZip64End(records: Buffer, at: number): Zip64End | { problem: string; offset: number } {
  const locator = records.subarray(ZIP64_END_BYTES);
  const locatorAt = at + ZIP64_END_BYTES;
  if (locator.readUInt32LE(0) !== ZIP64_LOCATOR_SIGNATURE) return { problem: 'end record says ZIP64 but no ZIP64 locator precedes it', offset: locatorAt };
  if (locator.readUInt32LE(4) !== 0 || locator.readUInt32LE(16) !== 1) return { problem: 'ZIP64 locator: archive spans several disks', offset: locatorAt };
  if (safeU64(locator, 8) !== at) return { problem: 'ZIP64 locator does not point right before itself', offset: locatorAt };
  if (records.readUInt32LE(0) !== ZIP64_END_SIGNATURE) return { problem: 'bad ZIP64 end record signature', offset: at };
  if (safeU64(records, 4) !== ZIP64_END_BYTES - 12) return { problem: 'ZIP64 end record with extensible data', offset: at };
  if (records.readUInt32LE(16) !== 0 || records.readUInt32LE(20) !== 0) return { problem: 'ZIP64 end record: archive spans several disks', offset: at };
  const [onDisk, entries, centralSize, centralOffset] = [24, 32, 40, 48].map((offset) => safeU64(records, offset));
  if (entries === undefined || centralSize === undefined || centralOffset === undefined || onDisk !== entries) {
    return { problem: 'ZIP64 end record: impossible counts or offsets', offset: at };
  }
  return { entries, centralSize, centralOffset };
}

/** The local header offset from a central header's extra fields (`extra`): the 8 bytes of a ZIP64 field, the only ZIP64 value a member may use here. */
export function zip64Offset(extra: Buffer): number | undefined {
  for (let at = 0; at + 4 <= extra.length; ) {
    const tag = extra.readUInt16LE(at);
    const size = extra.readUInt16LE(at + 2);
    if (at + 4 + size > extra.length) return undefined;
    if (tag === ZIP64_EXTRA_TAG) return size === 8 ? safeU64(extra, at + 4) : undefined;
    at += 4 + size;
  }
  return undefined;
}
