import { open, type FileHandle } from 'node:fs/promises';
import { readExactly } from '../../image/disk/read-exactly.js';
import {
  CompressionMethodError,
  DuplicateMemberError,
  HeaderMismatchError,
  MemberBoundsError,
  MemberLimitError,
  ZipStructureError,
} from './errors.js';
import { checkMemberName } from './member-name.js';
import {
  CENTRAL_HEADER_BYTES,
  CENTRAL_HEADER_SIGNATURE,
  END_RECORD_BYTES,
  END_RECORD_SIGNATURE,
  FLAG_UTF8,
  LOCAL_HEADER_BYTES,
  LOCAL_HEADER_SIGNATURE,
  METHOD_STORED,
  type CentralEntry,
} from './zip-layout.js';
import { parseZip64End, zip64Offset, ZIP64_END_BYTES, ZIP64_LOCATOR_BYTES, ZIP64_MARK_16, ZIP64_MARK_32, type Zip64End } from './zip64-records.js';

export interface ZipLimits {
  /** Members the central directory may list. */
  maxMembers: number;
  /** Bytes the central directory may take; it is read into memory whole. */
  maxCentralDirectoryBytes: number;
}

/** A member whose headers were checked against each other and against the file's bounds. */
export interface ZipMember {
  name: string;
  crc32: number;
  size: number;
  /** File offset of the member's local header. */
  headerOffset: number;
  /** File offset of the first byte of the member's data. */
  dataOffset: number;
}

const MAX_COMMENT_BYTES = 0xffff;

/**
 * Reader of a stored-only zip (the format zip-writer.ts produces, and Python's zipfile with ZIP_STORED);
 * record layouts in zip-layout.ts.
 * Opening reads the end record and the central directory, checks every length against the file and
 * the limits before allocating for it, and checks every local header against its central entry.
 * Member bytes are only ever read by (member, offset, length); nothing is extracted by name.
 *
 * @example
 * const zip = await StoredZipReader.open('x.zip', { maxMembers: 16, maxCentralDirectoryBytes: 65536 });
 * const meta = zip.members.get('overlay-meta');
 */
export class StoredZipReader {
  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
    readonly members: ReadonlyMap<string, ZipMember>,
  ) {}

  static async open(path: string, limits: ZipLimits): Promise<StoredZipReader> {
    const file = await open(path, 'r');
    try {
      const members = await readDirectory(path, file, limits);
      return new StoredZipReader(path, file, members);
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  /** Reads `length` bytes starting `offset` bytes into the member; refuses to leave the member. */
  async read(member: ZipMember, offset: number, length: number): Promise<Buffer> {
    if (offset < 0 || length < 0 || offset + length > member.size) {
      throw new MemberBoundsError(member.name, offset, length, member.size);
    }
    return readBytes(this.path, this.file, member.dataOffset + offset, length);
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}

async function readDirectory(path: string, file: FileHandle, limits: ZipLimits): Promise<Map<string, ZipMember>> {
  const fileSize = (await file.stat()).size;
  const end = await findEndRecord(path, file, fileSize);
  const fail = (offset: number, reason: string): never => {
    throw new ZipStructureError(path, offset, reason);
  };
  const disk = end.record.readUInt16LE(4);
  const centralDisk = end.record.readUInt16LE(6);
  const onDisk = end.record.readUInt16LE(8);
  let entries = end.record.readUInt16LE(10);
  let centralSize = end.record.readUInt32LE(12);
  let centralOffset = end.record.readUInt32LE(16);
  if (disk !== 0 || centralDisk !== 0 || onDisk !== entries) fail(end.offset, 'archive spans several disks');
  // Where the central directory must end: at the end record, or at the ZIP64 end record before it.
  let directoryEnd = end.offset;
  if (entries === ZIP64_MARK_16 || centralSize === ZIP64_MARK_32 || centralOffset === ZIP64_MARK_32) {
    const zip64 = await readZip64End(path, file, end.offset);
    for (const [field, small, large, mark] of [['entries', entries, zip64.entries, ZIP64_MARK_16], ['size', centralSize, zip64.centralSize, ZIP64_MARK_32], ['offset', centralOffset, zip64.centralOffset, ZIP64_MARK_32]] as const) {
      if (small !== mark && small !== large) fail(end.offset, `end record and ZIP64 end record disagree on the central directory ${field}`);
    }
    ({ entries, centralSize, centralOffset } = zip64);
    directoryEnd = end.offset - ZIP64_LOCATOR_BYTES - ZIP64_END_BYTES;
  }
  if (entries > limits.maxMembers) throw new MemberLimitError(entries, limits.maxMembers);
  if (centralSize > limits.maxCentralDirectoryBytes) {
    fail(end.offset, `central directory of ${centralSize} bytes exceeds ${limits.maxCentralDirectoryBytes}`);
  }
  if (centralOffset + centralSize !== directoryEnd) {
    fail(directoryEnd, 'central directory does not end where the end records start (prepended or trailing data)');
  }
  const directory = await readBytes(path, file, centralOffset, centralSize);
  const members = new Map<string, ZipMember>();
  let at = 0;
  for (let i = 0; i < entries; i++) {
    const entry = parseCentralEntry(path, directory, at, centralOffset);
    at = entry.next;
    if (members.has(entry.name)) throw new DuplicateMemberError(entry.name);
    members.set(entry.name, await checkLocalHeader(path, file, entry, centralOffset));
  }
  if (at !== centralSize) fail(centralOffset + at, 'central directory holds more bytes than its entries');
  checkNoOverlap(path, [...members.values()]);
  return members;
}

/** The ZIP64 end record and locator right before the end record at `endOffset` (zip64-records.ts checks them). */
async function readZip64End(path: string, file: FileHandle, endOffset: number): Promise<Zip64End> {
  const at = endOffset - ZIP64_LOCATOR_BYTES - ZIP64_END_BYTES;
  if (at < 0) throw new ZipStructureError(path, endOffset, 'end record says ZIP64 but there is no room for a ZIP64 end record');
  const parsed = parseZip64End(await readBytes(path, file, at, ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES), at);
  if ('problem' in parsed) throw new ZipStructureError(path, parsed.offset, parsed.problem);
  return parsed;
}

async function findEndRecord(path: string, file: FileHandle, fileSize: number): Promise<{ offset: number; record: Buffer }> {
  if (fileSize < END_RECORD_BYTES) throw new ZipStructureError(path, 0, 'file is shorter than an end record');
  const tailLength = Math.min(fileSize, END_RECORD_BYTES + MAX_COMMENT_BYTES);
  const tailStart = fileSize - tailLength;
  const tail = await readBytes(path, file, tailStart, tailLength);
  for (let i = tailLength - END_RECORD_BYTES; i >= 0; i--) {
    // The comment must run exactly to the end of the file, so a signature inside the comment cannot win.
    if (tail.readUInt32LE(i) === END_RECORD_SIGNATURE && tail.readUInt16LE(i + 20) === tailLength - i - END_RECORD_BYTES) {
      return { offset: tailStart + i, record: tail.subarray(i, i + END_RECORD_BYTES) };
    }
  }
  throw new ZipStructureError(path, fileSize, 'no end-of-central-directory record');
}

/** Parses and checks one central directory header at `at` of `directory` (which starts at file offset `base`): name, flags, method, sizes, ZIP64 offset. */
export function parseCentralEntry(path: string, directory: Buffer, at: number, base: number): CentralEntry & { next: number } {
  if (at + CENTRAL_HEADER_BYTES > directory.length || directory.readUInt32LE(at) !== CENTRAL_HEADER_SIGNATURE) {
    throw new ZipStructureError(path, base + at, 'bad central directory entry');
  }
  const nameLength = directory.readUInt16LE(at + 28);
  const extraAt = at + CENTRAL_HEADER_BYTES + nameLength;
  const extraLength = directory.readUInt16LE(at + 30);
  const next = extraAt + extraLength + directory.readUInt16LE(at + 32);
  if (next > directory.length) throw new ZipStructureError(path, base + at, 'central directory entry runs past the directory');
  const name = checkMemberName(directory.subarray(at + CENTRAL_HEADER_BYTES, at + CENTRAL_HEADER_BYTES + nameLength));
  const entry = {
    name,
    flags: directory.readUInt16LE(at + 8),
    method: directory.readUInt16LE(at + 10),
    crc32: directory.readUInt32LE(at + 16),
    compressedSize: directory.readUInt32LE(at + 20),
    uncompressedSize: directory.readUInt32LE(at + 24),
    localHeaderOffset: directory.readUInt32LE(at + 42),
    next,
  };
  if ((entry.flags & ~FLAG_UTF8) !== 0) {
    throw new ZipStructureError(path, base + at, `member ${name}: flags 0x${entry.flags.toString(16)} (encryption or data descriptor) are not supported`);
  }
  if (entry.method !== METHOD_STORED) throw new CompressionMethodError(name, entry.method);
  if (entry.compressedSize === ZIP64_MARK_32 || entry.uncompressedSize === ZIP64_MARK_32) {
    throw new ZipStructureError(path, base + at, `member ${name}: members of 4 GiB or more are not supported`);
  }
  if (entry.localHeaderOffset === ZIP64_MARK_32) {
    const offset = zip64Offset(directory.subarray(extraAt, extraAt + extraLength));
    if (offset === undefined) throw new ZipStructureError(path, base + at, `member ${name}: offset marked ZIP64 without a ZIP64 extra field holding it`);
    entry.localHeaderOffset = offset;
  }
  if (directory.readUInt16LE(at + 34) !== 0) throw new ZipStructureError(path, base + at, `member ${name}: on another disk`);
  if (entry.compressedSize !== entry.uncompressedSize) {
    throw new ZipStructureError(path, base + at, `member ${name}: stored but compressed and uncompressed sizes differ`);
  }
  return entry;
}

async function checkLocalHeader(path: string, file: FileHandle, entry: CentralEntry, limit: number): Promise<ZipMember> {
  const { name, localHeaderOffset: offset } = entry;
  const headerLength = LOCAL_HEADER_BYTES + Buffer.byteLength(name, 'latin1');
  if (offset + headerLength > limit) throw new MemberBoundsError(name, offset, headerLength, limit);
  const header = await readBytes(path, file, offset, headerLength);
  if (header.readUInt32LE(0) !== LOCAL_HEADER_SIGNATURE) throw new ZipStructureError(path, offset, `member ${name}: no local header`);
  const localName = header.toString('latin1', LOCAL_HEADER_BYTES, LOCAL_HEADER_BYTES + header.readUInt16LE(26));
  const pairs: [string, number | string, number | string][] = [
    ['name', name, localName],
    ['flags', entry.flags, header.readUInt16LE(6)],
    ['method', entry.method, header.readUInt16LE(8)],
    ['crc32', entry.crc32, header.readUInt32LE(14)],
    ['compressed size', entry.compressedSize, header.readUInt32LE(18)],
    ['uncompressed size', entry.uncompressedSize, header.readUInt32LE(22)],
  ];
  for (const [field, central, local] of pairs) {
    if (central !== local) throw new HeaderMismatchError(name, field, central, local);
  }
  const dataOffset = offset + headerLength + header.readUInt16LE(28);
  if (dataOffset + entry.compressedSize > limit) {
    throw new MemberBoundsError(name, dataOffset, entry.compressedSize, limit);
  }
  return { name, crc32: entry.crc32, size: entry.compressedSize, headerOffset: offset, dataOffset };
}

/** Members that share bytes are how zip bombs multiply their size; none may overlap another. */
function checkNoOverlap(path: string, members: ZipMember[]): void {
  const sorted = [...members].sort((a, b) => a.headerOffset - b.headerOffset);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (previous.dataOffset + previous.size > current.headerOffset) {
      throw new ZipStructureError(path, current.headerOffset, `members ${previous.name} and ${current.name} overlap`);
    }
  }
}

async function readBytes(path: string, file: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  await readExactly(path, file, buffer, 0, length, position, (done) => new ZipStructureError(path, position + done, 'file ended early (changed while reading?)'));
  return buffer;
}
