/**
 * Builds QEVM streams byte by byte for tests, following QEMU's savevm.c/ram.c directly rather
 * than the SDK's writer, so reader tests do not just check the writer against itself.
 */
import { MigrationStreamReader, type RamBlock } from '../../../../sdk/image/memory/index.js';

export const PAGE = 4096;
export const RAM_ID = 2;
export const BLOCKS: RamBlock[] = [
  { id: 'pc.ram', length: 16 * PAGE },
  { id: 'pc.bios', length: 4 * PAGE },
];

export const Flag = { ZERO: 0x02, MEM_SIZE: 0x04, PAGE: 0x08, EOS: 0x10, CONTINUE: 0x20 } as const;

export function u8(value: number): Buffer {
  return Buffer.from([value]);
}

export function be32(value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value);
  return bytes;
}

export function be64(value: number | bigint): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(value));
  return bytes;
}

function name(id: string): Buffer {
  return Buffer.concat([u8(id.length), Buffer.from(id, 'latin1')]);
}

/** Magic, version, CONFIGURATION. */
export function fileHeader(machine = 'pc-i440fx-7.2', version = 3): Buffer {
  return Buffer.concat([Buffer.from('QEVM'), be32(version), u8(0x07), be32(machine.length), Buffer.from(machine)]);
}

export function footer(sectionId = RAM_ID): Buffer {
  return Buffer.concat([u8(0x7e), be32(sectionId)]);
}

/** START "ram" v4: MEM_SIZE, block list, EOS, footer. */
export function ramStart(blocks: RamBlock[] = BLOCKS, sectionId = RAM_ID): Buffer {
  const total = blocks.reduce((sum, block) => sum + block.length, 0);
  const list = blocks.map((block) => Buffer.concat([name(block.id), be64(block.length)]));
  return Buffer.concat([u8(0x01), be32(sectionId), name('ram'), be32(0), be32(4), be64(total + Flag.MEM_SIZE), ...list, be64(Flag.EOS), footer(sectionId)]);
}

/** A page record; `block` null means CONTINUE. `content` a fill byte for a data page, or 'zero'. */
export function pageRecord(block: string | null, offset: number, content: number | 'zero'): Buffer {
  const flags = (content === 'zero' ? Flag.ZERO : Flag.PAGE) | (block === null ? Flag.CONTINUE : 0);
  const parts = [be64(offset + flags)];
  if (block !== null) parts.push(name(block));
  parts.push(content === 'zero' ? u8(0) : Buffer.alloc(PAGE, content));
  return Buffer.concat(parts);
}

/** A PART (0x02) or END (0x03) RAM section around `records`, closed by EOS and footer. */
export function ramSection(type: 0x02 | 0x03, records: Buffer[], sectionId = RAM_ID): Buffer {
  return Buffer.concat([u8(type), be32(sectionId), ...records, be64(Flag.EOS), footer(sectionId)]);
}

/** FULL "timer" with opaque bytes, EOF, VMDESCRIPTION naming it. */
export function deviceTail(): Buffer {
  const json = Buffer.from(JSON.stringify({ page_size: PAGE, devices: [{ name: 'timer', instance_id: 0 }] }));
  const full = Buffer.concat([u8(0x04), be32(0), name('timer'), be32(0), be32(2), Buffer.from('opaque-device-bytes'), footer(0)]);
  return Buffer.concat([full, u8(0x00), u8(0x06), be32(json.length), json]);
}

/** A small valid stream: pages in two sections, CONTINUE across the boundary, a page sent twice. */
export function sampleStream(): Buffer {
  return Buffer.concat([
    fileHeader(),
    ramStart(),
    ramSection(0x02, [pageRecord('pc.ram', 0, 1), pageRecord(null, PAGE, 'zero'), pageRecord(null, 2 * PAGE, 2)]),
    ramSection(0x03, [pageRecord(null, 0, 3), pageRecord('pc.bios', 3 * PAGE, 4)]),
    deviceTail(),
  ]);
}

/** Yields `bytes` in chunks of `size`, to exercise reads that straddle chunk edges. */
export async function* chunked(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

export function readerOf(bytes: Uint8Array, chunkSize = 1 << 16): Promise<MigrationStreamReader> {
  return MigrationStreamReader.fromSource(chunked(bytes, chunkSize));
}

/** Reads a whole stream: every record, then the device state. */
export async function readAll(bytes: Uint8Array, chunkSize?: number) {
  const reader = await readerOf(bytes, chunkSize);
  const records = [];
  for await (const record of reader.records()) records.push(record);
  return { header: reader.header, records, deviceState: await reader.deviceState() };
}
