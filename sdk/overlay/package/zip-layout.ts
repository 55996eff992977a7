/**
 * An overlay package, format v2 (overlay-meta's version, meta.ts), is one stored zip laid out in
 * this order, with nothing before, between or after:
 * | # | what                                    | bytes                                                  |
 * |---|-----------------------------------------|--------------------------------------------------------|
 * | 1 | local header "overlay-meta", the meta   | 30 + 12 + meta size (≤ 16 MiB)                         |
 * | 2 | local header "overlay-sig", signature   | 30 + 11 + 108; only in a signed package                |
 * | 3 | local header + bytes of each blob       | 30 + name + size, in the order overlay-meta lists them |
 * | 4 | central directory: one header per member, in the same order                             |
 * | 5 | ZIP64 end record and locator (past 4 GiB only), end record, comment                      |
 * Local headers carry the real CRC-32 and sizes (no data descriptors), so a receiver reading the
 * stream front to back knows every member's length from its header, and from the meta, before
 * its bytes arrive: it checks the meta (signature, base, limits), then verifies and applies each
 * blob as it comes (package-stream.ts). Format v1 had the same members with overlay-meta and
 * overlay-sig after the blobs; files of both are read through the central directory.
 *
 * The three zip records a stored-only, single-disk archive needs (PKWARE APPNOTE 6.3.10); past
 * 4 GiB the ZIP64 records of zip64-records.ts join them. All integers little-endian.
 *
 * Local file header (30 bytes + name + extra), then the member's bytes:
 * | off | size | field                                   | we write                  |
 * |-----|------|-----------------------------------------|---------------------------|
 * |  0  |  4   | signature 0x04034b50                    |                           |
 * |  4  |  2   | version needed to extract               | 20                        |
 * |  6  |  2   | general purpose flags                   | 0 (no data descriptor)    |
 * |  8  |  2   | compression method                      | 0 stored                  |
 * | 10  |  2   | DOS time, 12 DOS date                   | 0, 1980-01-01 (repeatable)|
 * | 14  |  4   | CRC-32 of the bytes                     | patched after the data    |
 * | 18  |  4   | compressed size, 22 uncompressed size   | equal (stored), patched   |
 * | 26  |  2   | name length, 28 extra length            | n, 0                      |
 *
 * Central directory header (46 bytes + name + extra + comment), one per member:
 * | off | size | field                                                                      |
 * |-----|------|----------------------------------------------------------------------------|
 * |  0  |  4   | signature 0x02014b50                                                       |
 * |  4  |  2   | version made by, 6 version needed, 8 flags, 10 method, 12 time, 14 date    |
 * | 16  |  4   | CRC-32, 20 compressed size, 24 uncompressed size                           |
 * | 28  |  2   | name length, 30 extra length, 32 comment length, 34 disk number start      |
 * | 36  |  2   | internal attributes, 38 (4) external attributes, 42 (4) local header offset|
 *
 * End of central directory (22 bytes + comment), last thing in the file:
 * | off | size | field                                                                      |
 * |-----|------|----------------------------------------------------------------------------|
 * |  0  |  4   | signature 0x06054b50                                                       |
 * |  4  |  2   | this disk, 6 disk with central directory (both 0)                          |
 * |  8  |  2   | entries on this disk, 10 total entries (equal)                             |
 * | 12  |  4   | central directory size, 16 central directory offset, 20 (2) comment length |
 */

import { encodeZip64OffsetExtra, ZIP64_MARK_32, ZIP64_VERSION } from './zip64-records.js';

export const LOCAL_HEADER_SIGNATURE = 0x04034b50;
export const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
export const END_RECORD_SIGNATURE = 0x06054b50;
export const LOCAL_HEADER_BYTES = 30;
export const CENTRAL_HEADER_BYTES = 46;
export const END_RECORD_BYTES = 22;
/** The largest value a zip32 size or offset field holds; 0xffffffff itself means "see ZIP64". */
export const ZIP32_LIMIT = 0xfffffffe;
/** Offset of the CRC-32 field in a local header; CRC and both sizes follow, 12 bytes in all. */
export const LOCAL_CRC_OFFSET = 14;
/** Flag bit 11: the name is UTF-8. The only flag a reader accepts; encryption and data descriptors are refused. */
export const FLAG_UTF8 = 0x0800;
export const METHOD_STORED = 0;
const VERSION_NEEDED = 20;
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;

/** What the central directory says about one member. */
export interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
}

export function encodeLocalHeader(name: Buffer, crc32: number, size: number): Buffer {
  const b = Buffer.alloc(LOCAL_HEADER_BYTES + name.length);
  b.writeUInt32LE(LOCAL_HEADER_SIGNATURE, 0);
  b.writeUInt16LE(VERSION_NEEDED, 4);
  b.writeUInt16LE(0, 6);
  b.writeUInt16LE(METHOD_STORED, 8);
  b.writeUInt16LE(0, 10);
  b.writeUInt16LE(DOS_DATE_1980_01_01, 12);
  b.writeUInt32LE(crc32, 14);
  b.writeUInt32LE(size, 18);
  b.writeUInt32LE(size, 22);
  b.writeUInt16LE(name.length, 26);
  b.writeUInt16LE(0, 28);
  name.copy(b, LOCAL_HEADER_BYTES);
  return b;
}

/** The 12 bytes at LOCAL_CRC_OFFSET, written once the member's bytes are known. */
export function encodeLocalSizes(crc32: number, size: number): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(crc32, 0);
  b.writeUInt32LE(size, 4);
  b.writeUInt32LE(size, 8);
  return b;
}

/** A central header; with `zip64` its offset field is marked and the offset goes into a ZIP64 extra field. */
export function encodeCentralHeader(name: Buffer, crc32: number, size: number, localHeaderOffset: number, zip64 = false): Buffer {
  const extra = zip64 ? encodeZip64OffsetExtra(localHeaderOffset) : Buffer.alloc(0);
  const b = Buffer.alloc(CENTRAL_HEADER_BYTES + name.length + extra.length);
  b.writeUInt32LE(CENTRAL_HEADER_SIGNATURE, 0);
  b.writeUInt16LE(zip64 ? ZIP64_VERSION : VERSION_NEEDED, 4);
  b.writeUInt16LE(zip64 ? ZIP64_VERSION : VERSION_NEEDED, 6);
  b.writeUInt16LE(0, 8);
  b.writeUInt16LE(METHOD_STORED, 10);
  b.writeUInt16LE(0, 12);
  b.writeUInt16LE(DOS_DATE_1980_01_01, 14);
  b.writeUInt32LE(crc32, 16);
  b.writeUInt32LE(size, 20);
  b.writeUInt32LE(size, 24);
  b.writeUInt16LE(name.length, 28);
  b.writeUInt16LE(extra.length, 30);
  // comment length, disk number, internal and external attributes stay 0
  b.writeUInt32LE(zip64 ? ZIP64_MARK_32 : localHeaderOffset, 42);
  name.copy(b, CENTRAL_HEADER_BYTES);
  extra.copy(b, CENTRAL_HEADER_BYTES + name.length);
  return b;
}

export function encodeEndRecord(entries: number, centralSize: number, centralOffset: number, comment: Buffer): Buffer {
  const b = Buffer.alloc(END_RECORD_BYTES + comment.length);
  b.writeUInt32LE(END_RECORD_SIGNATURE, 0);
  b.writeUInt16LE(entries, 8);
  b.writeUInt16LE(entries, 10);
  b.writeUInt32LE(centralSize, 12);
  b.writeUInt32LE(centralOffset, 16);
  b.writeUInt16LE(comment.length, 20);
  comment.copy(b, END_RECORD_BYTES);
  return b;
}
