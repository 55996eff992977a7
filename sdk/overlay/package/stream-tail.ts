import { HeaderMismatchError, ZipStructureError } from './errors.js';
import type { StreamCursor } from './stream-cursor.js';
import { parseCentralEntry } from './zip-reader.js';
import { CENTRAL_HEADER_BYTES, END_RECORD_BYTES, END_RECORD_SIGNATURE } from './zip-layout.js';
import { parseZip64End, ZIP64_END_BYTES, ZIP64_END_SIGNATURE, ZIP64_LOCATOR_BYTES, ZIP64_MARK_16, ZIP64_MARK_32 } from './zip64-records.js';

/** A member as its local header announced it in the stream. */
export interface StreamMember {
  name: string;
  crc32: number;
  size: number;
  /** Stream offset of its local header. */
  offset: number;
}

/** How errors name a stream (ZipStructureError wants a path). */
const STREAM = '(overlay stream)';

/**
 * Reads what follows the last member of a streamed package: one central directory header per
 * member, in stream order, each agreeing with the local header seen (name, CRC-32, size, offset);
 * the ZIP64 end records where the writer used them; the end record, whose counts, size and offset
 * must match what was read. The caller then requires the end of the stream.
 */
export async function readStreamTail(cursor: StreamCursor, members: readonly StreamMember[]): Promise<void> {
  const centralOffset = cursor.offset;
  for (const member of members) {
    const at = cursor.offset;
    const fixed = Buffer.from(await cursor.read(CENTRAL_HEADER_BYTES));
    const rest = await cursor.read(fixed.readUInt16LE(28) + fixed.readUInt16LE(30) + fixed.readUInt16LE(32));
    const entry = parseCentralEntry(STREAM, Buffer.concat([fixed, rest]), 0, at);
    if (entry.name !== member.name) throw new ZipStructureError(STREAM, at, `the central directory lists ${JSON.stringify(entry.name)} where the stream had ${JSON.stringify(member.name)}`);
    const pairs = [['crc32', entry.crc32, member.crc32], ['compressed size', entry.compressedSize, member.size], ['local header offset', entry.localHeaderOffset, member.offset]] as const;
    for (const [field, central, local] of pairs) if (central !== local) throw new HeaderMismatchError(member.name, field, central, local);
  }
  const directory = { entries: members.length, centralSize: cursor.offset - centralOffset, centralOffset };
  const fail = (at: number, reason: string): never => {
    throw new ZipStructureError(STREAM, at, reason);
  };
  let zip64 = false;
  if ((await cursor.peek(4)).readUInt32LE(0) === ZIP64_END_SIGNATURE) {
    const at = cursor.offset;
    const parsed = parseZip64End(Buffer.from(await cursor.read(ZIP64_END_BYTES + ZIP64_LOCATOR_BYTES)), at);
    if ('problem' in parsed) fail(parsed.offset, parsed.problem);
    const found = parsed as { entries: number; centralSize: number; centralOffset: number };
    if (found.entries !== directory.entries || found.centralSize !== directory.centralSize || found.centralOffset !== directory.centralOffset) fail(at, 'the ZIP64 end record does not describe the central directory read');
    zip64 = true;
  }
  const at = cursor.offset;
  const end = Buffer.from(await cursor.read(END_RECORD_BYTES));
  if (end.readUInt32LE(0) !== END_RECORD_SIGNATURE) fail(at, 'no end record after the central directory');
  if (end.readUInt16LE(4) !== 0 || end.readUInt16LE(6) !== 0) fail(at, 'archive spans several disks');
  const fields = [[8, 2, directory.entries, ZIP64_MARK_16], [10, 2, directory.entries, ZIP64_MARK_16], [12, 4, directory.centralSize, ZIP64_MARK_32], [16, 4, directory.centralOffset, ZIP64_MARK_32]] as const;
  for (const [offset, width, value, mark] of fields) {
    const found = width === 2 ? end.readUInt16LE(offset) : end.readUInt32LE(offset);
    if (found !== value && !(zip64 && found === mark)) fail(at + offset, 'the end record does not describe the central directory read');
  }
  await cursor.read(end.readUInt16LE(20));
}
