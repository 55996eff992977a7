/**
 * The VM state record, format v1: what an overlay needs besides pages to rebuild the customized
 * memory snapshot. It travels as the overlay's first blob (claiming no chunks), so overlay-meta v1
 * stays as it is and the record is verified by SHA-256 and decompressed under a cap like any blob.
 * All integers big-endian.
 *
 * | off   | size | field                                                                    |
 * |-------|------|--------------------------------------------------------------------------|
 * | 0     | 8    | magic "CLDVMSTA"                                                         |
 * | 8     | 2    | version = 1                                                              |
 * | 10    | 2    | flags: bit 0 the snapshot was a libvirt save image, bit 1 it was running |
 * | 12    | 4    | h: bytes of the stream header JSON, 1 … 1 MiB                            |
 * | 16    | 4    | d: bytes of device state, 1 … 64 MiB                                     |
 * | 20    | 4    | x: bytes of the libvirt domain XML, ≤ 16 MiB; 0 for a bare stream        |
 * | 24    | h    | JSON {machineType, ramSection {sectionId, instanceId, versionId}, blocks [{id, length}]} |
 * | 24+h  | d    | device state: the stream's bytes from the first FULL section to its end  |
 * | …     | x    | domain XML, UTF-8: untrusted, shown by info-overlay, never used to restore |
 * The record is exactly 24 + h + d + x bytes; unknown flag bits are refused.
 */
import {
  DEFAULT_DEVICE_STATE_LIMIT,
  PAGE_SIZE,
  QEVM_VERSION,
  parseDeviceState,
  type DeviceState,
  type RamBlock,
  type StreamHeader,
} from '../../image/memory/index.js';
import { VmStateFormatError } from './errors.js';

const MAGIC = Buffer.from('CLDVMSTA', 'latin1');
const VERSION = 1;
const HEADER_BYTES = 24;
const FLAG_LIBVIRT = 1;
const FLAG_RUNNING = 2;
const MAX_HEADER_JSON = 1 << 20;
const MAX_XML = 16 << 20;
const MAX_BLOCKS = 1024;
const MAX_BLOCK_BYTES = 2 ** 40;
/** Largest record accepted: what the blob cap at synthesis must allow. */
export const MAX_VM_STATE_BYTES = HEADER_BYTES + MAX_HEADER_JSON + DEFAULT_DEVICE_STATE_LIMIT + MAX_XML;

export interface VmState {
  header: StreamHeader;
  deviceState: DeviceState;
  /** Set when the customized snapshot was a libvirt save image; its XML is untrusted. */
  libvirt: { wasRunning: boolean; untrustedXml: string } | null;
}

/** @example const bytes = encodeVmState({ header: stream.header, deviceState, libvirt: null }); */
export function encodeVmState(state: VmState): Buffer {
  const json = Buffer.from(JSON.stringify({
    machineType: state.header.machineType,
    ramSection: state.header.ramSection,
    blocks: state.header.blocks.map((b) => ({ id: b.id, length: b.length })),
  }));
  const xml = Buffer.from(state.libvirt?.untrustedXml ?? '', 'utf8');
  const fixed = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(VERSION, 8);
  fixed.writeUInt16BE((state.libvirt ? FLAG_LIBVIRT : 0) | (state.libvirt?.wasRunning ? FLAG_RUNNING : 0), 10);
  fixed.writeUInt32BE(json.length, 12);
  fixed.writeUInt32BE(state.deviceState.bytes.length, 16);
  fixed.writeUInt32BE(xml.length, 20);
  const bytes = Buffer.concat([fixed, json, state.deviceState.bytes, xml]);
  decodeVmState(bytes);
  return bytes;
}

/** Checks every field (table above) before returning the record; throws VmStateFormatError. */
export function decodeVmState(bytes: Buffer): VmState {
  if (bytes.length < HEADER_BYTES) fail('length', `${bytes.length} bytes, less than the ${HEADER_BYTES}-byte header`);
  if (!bytes.subarray(0, 8).equals(MAGIC)) fail('magic', bytes.subarray(0, 8).toString('hex'));
  const version = bytes.readUInt16BE(8);
  if (version !== VERSION) fail('version', `${version}, this code reads ${VERSION}`);
  const flags = bytes.readUInt16BE(10);
  if ((flags & ~(FLAG_LIBVIRT | FLAG_RUNNING)) !== 0 || (flags & FLAG_RUNNING && !(flags & FLAG_LIBVIRT))) fail('flags', `0x${flags.toString(16)}`);
  const h = bytes.readUInt32BE(12);
  const d = bytes.readUInt32BE(16);
  const x = bytes.readUInt32BE(20);
  if (h < 1 || h > MAX_HEADER_JSON) fail('header length', String(h));
  if (d < 1 || d > DEFAULT_DEVICE_STATE_LIMIT) fail('device state length', String(d));
  if (x > MAX_XML || (x > 0) !== ((flags & FLAG_LIBVIRT) !== 0)) fail('xml length', String(x));
  if (bytes.length !== HEADER_BYTES + h + d + x) fail('length', `${bytes.length} bytes, the fields add up to ${HEADER_BYTES + h + d + x}`);
  const header = parseHeader(bytes.subarray(HEADER_BYTES, HEADER_BYTES + h));
  const deviceBytes = Buffer.from(bytes.subarray(HEADER_BYTES + h, HEADER_BYTES + h + d));
  let deviceState: DeviceState;
  try {
    deviceState = parseDeviceState(deviceBytes, 0);
  } catch (error) {
    return fail('device state', error instanceof Error ? error.message : String(error));
  }
  const xmlBytes = bytes.subarray(HEADER_BYTES + h + d);
  const untrustedXml = xmlBytes.toString('utf8');
  if (!Buffer.from(untrustedXml, 'utf8').equals(xmlBytes) || untrustedXml.includes('\0')) fail('xml', 'not valid UTF-8 text');
  const libvirt = flags & FLAG_LIBVIRT ? { wasRunning: (flags & FLAG_RUNNING) !== 0, untrustedXml } : null;
  return { header, deviceState, libvirt };
}

function parseHeader(bytes: Buffer): StreamHeader {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return fail('header', 'not JSON');
  }
  const root = record(value, 'header');
  const machineType = root.machineType === null ? null : text(root.machineType, 'header.machineType', 256);
  const section = record(root.ramSection, 'header.ramSection');
  const ramSection = {
    sectionId: u32(section.sectionId, 'header.ramSection.sectionId'),
    instanceId: u32(section.instanceId, 'header.ramSection.instanceId'),
    versionId: u32(section.versionId, 'header.ramSection.versionId'),
  };
  if (!Array.isArray(root.blocks) || root.blocks.length < 1 || root.blocks.length > MAX_BLOCKS) fail('header.blocks', `1 to ${MAX_BLOCKS} blocks`);
  const ids = new Set<string>();
  const blocks: RamBlock[] = (root.blocks as unknown[]).map((entry, i) => {
    const block = record(entry, `header.blocks[${i}]`);
    const id = text(block.id, `header.blocks[${i}].id`, 255);
    if (ids.has(id)) fail(`header.blocks[${i}].id`, `${JSON.stringify(id)} appears twice`);
    ids.add(id);
    const length = block.length;
    if (typeof length !== 'number' || !Number.isInteger(length) || length <= 0 || length % PAGE_SIZE !== 0 || length > MAX_BLOCK_BYTES) {
      fail(`header.blocks[${i}].length`, String(length));
    }
    return { id, length };
  });
  for (const key of Object.keys(root)) if (!['machineType', 'ramSection', 'blocks'].includes(key)) fail(`header.${key}`, 'unknown key');
  return { version: QEVM_VERSION, machineType, ramSection, blocks };
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'not an object');
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string, max: number): string {
  // Block ids and machine types are written to the stream as latin1 with a length byte: printable ASCII only.
  if (typeof value !== 'string' || !/^[\x20-\x7e]+$/.test(value) || value.length > max) fail(field, JSON.stringify(value));
  return value as string;
}

function u32(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) fail(field, String(value));
  return value as number;
}

function fail(field: string, reason: string): never {
  throw new VmStateFormatError(field, reason);
}
