/**
 * The header libvirt puts before the QEMU migration stream in a `virsh save` image
 * (libvirt src/qemu/qemu_saveimage.h, virQEMUSaveHeader; host-endian, i.e. little-endian on x86).
 *
 * | offset | size     | field                                                              |
 * |--------|----------|--------------------------------------------------------------------|
 * | 0      | 16       | magic "LibvirtQemudSave" ("LibvirtQemudPart" while being written)  |
 * | 16     | 4        | version = 2                                                        |
 * | 20     | 4        | data_len: bytes of data after this header                          |
 * | 24     | 4        | was_running: 0 or 1                                                |
 * | 28     | 4        | compressed: 0 raw; 1 gzip, 2 bzip2, 3 xz, 4 lzop (stream piped     |
 * |        |          | through that program)                                              |
 * | 32     | 4        | cookieOffset: 0, or where the cookie XML starts within data        |
 * | 36     | 56       | 14 × u32 unused, zero                                              |
 * | 92     | data_len | domain XML + NUL, [cookie XML + NUL], NUL padding (libvirt 9 adds  |
 * |        |          | 64 KiB so the XML can be edited in place)                          |
 * | 92+len | …        | the QEVM stream                                                    |
 *
 * The XML and cookie are kept as untrusted strings: exposed, never interpreted here.
 */
import { open } from 'node:fs/promises';
import { BadMagicError, LibvirtSaveHeaderError, TruncatedStreamError, UnsupportedVersionError } from './errors.js';

export const LIBVIRT_SAVE_MAGIC = 'LibvirtQemudSave';
export const LIBVIRT_PARTIAL_MAGIC = 'LibvirtQemudPart';
export const LIBVIRT_SAVE_VERSION = 2;
export const LIBVIRT_HEADER_SIZE = 92;
/** libvirt's own padding after the XML; also the default when writing. */
export const LIBVIRT_XML_PADDING = 64 * 1024;
/** Refuse data_len beyond this: domain XML is kilobytes, so more means a corrupt or hostile header. */
const MAX_DATA_LENGTH = 16 << 20;

export interface LibvirtSaveHeader {
  /** false for "LibvirtQemudPart": libvirt had not finished writing the image. */
  complete: boolean;
  dataLength: number;
  wasRunning: boolean;
  compressed: number;
  /** Domain XML: untrusted. */
  xml: string;
  /** Save cookie XML (CPU model, slirp helper): untrusted; null if absent. */
  cookie: string | null;
}

/** Where the QEVM stream starts in the image. */
export function libvirtStreamOffset(header: Pick<LibvirtSaveHeader, 'dataLength'>): number {
  return LIBVIRT_HEADER_SIZE + header.dataLength;
}

/** Parses header + data from `bytes` (which must hold at least the first 92 + data_len bytes of the image). */
export function parseLibvirtSaveHeader(bytes: Uint8Array): LibvirtSaveHeader {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { complete, dataLength, wasRunning, compressed, cookieOffset } = parseFixedPart(buf);
  const end = LIBVIRT_HEADER_SIZE + dataLength;
  if (buf.length < end) throw new TruncatedStreamError(buf.length, 'libvirt save XML', end - buf.length, 0);

  const xmlEnd = buf.indexOf(0, LIBVIRT_HEADER_SIZE);
  if (xmlEnd < 0 || xmlEnd >= end) throw new LibvirtSaveHeaderError(LIBVIRT_HEADER_SIZE, 'domain XML not NUL-terminated within data_len', String(dataLength));
  const xml = utf8Exact(buf, LIBVIRT_HEADER_SIZE, xmlEnd);
  let used = xmlEnd + 1;
  let cookie: string | null = null;
  if (cookieOffset !== 0) {
    // libvirt always puts the cookie right after the XML; anything else we would not write back the same.
    if (cookieOffset !== used - LIBVIRT_HEADER_SIZE) throw new LibvirtSaveHeaderError(32, 'cookie not right after the XML', String(cookieOffset));
    const cookieEnd = buf.indexOf(0, used);
    if (cookieEnd < 0 || cookieEnd >= end) throw new LibvirtSaveHeaderError(used, 'cookie not NUL-terminated within data_len', String(dataLength));
    cookie = utf8Exact(buf, used, cookieEnd);
    used = cookieEnd + 1;
  }
  for (let at = used; at < end; at++) {
    if (buf[at] !== 0) throw new LibvirtSaveHeaderError(at, 'padding after the XML is not zero', `0x${buf[at]!.toString(16)}`);
  }
  return { complete, dataLength, wasRunning, compressed, xml, cookie };
}

/** Reads and parses the header of the image at `path`, checking the fixed part before trusting data_len. */
export async function readLibvirtSaveHeader(path: string): Promise<LibvirtSaveHeader> {
  const handle = await open(path, 'r');
  try {
    const fixed = Buffer.alloc(LIBVIRT_HEADER_SIZE);
    const { bytesRead } = await handle.read(fixed, 0, LIBVIRT_HEADER_SIZE, 0);
    const { dataLength } = parseFixedPart(fixed.subarray(0, bytesRead));
    const whole = Buffer.alloc(LIBVIRT_HEADER_SIZE + dataLength);
    const read = await handle.read(whole, 0, whole.length, 0);
    return parseLibvirtSaveHeader(whole.subarray(0, read.bytesRead));
  } finally {
    await handle.close();
  }
}

function parseFixedPart(buf: Buffer) {
  if (buf.length < LIBVIRT_HEADER_SIZE) throw new TruncatedStreamError(0, 'libvirt save header', LIBVIRT_HEADER_SIZE, buf.length);
  const magic = buf.toString('latin1', 0, 16);
  if (magic !== LIBVIRT_SAVE_MAGIC && magic !== LIBVIRT_PARTIAL_MAGIC) {
    throw new BadMagicError(0, LIBVIRT_SAVE_MAGIC, buf.subarray(0, 16).toString('hex'));
  }
  const version = buf.readUInt32LE(16);
  if (version !== LIBVIRT_SAVE_VERSION) throw new UnsupportedVersionError(16, 'libvirt save header', version, [LIBVIRT_SAVE_VERSION]);
  const dataLength = buf.readUInt32LE(20);
  const wasRunning = buf.readUInt32LE(24);
  if (dataLength > MAX_DATA_LENGTH) throw new LibvirtSaveHeaderError(20, 'data_len too large', String(dataLength));
  if (wasRunning > 1) throw new LibvirtSaveHeaderError(24, 'was_running is not 0 or 1', String(wasRunning));
  for (let at = 36; at < LIBVIRT_HEADER_SIZE; at += 4) {
    if (buf.readUInt32LE(at) !== 0) throw new LibvirtSaveHeaderError(at, 'unused field is not zero', String(buf.readUInt32LE(at)));
  }
  return {
    complete: magic === LIBVIRT_SAVE_MAGIC,
    dataLength,
    wasRunning: wasRunning === 1,
    compressed: buf.readUInt32LE(28),
    cookieOffset: buf.readUInt32LE(32),
  };
}

/**
 * Encodes header + XML + cookie + padding. `dataLength` defaults to what libvirt writes
 * (strings + 64 KiB); pass the parsed one to reproduce an image byte for byte.
 *
 * @example
 * const bytes = encodeLibvirtSaveHeader({ ...parsed, xml: parsed.xml });
 */
export function encodeLibvirtSaveHeader(header: Omit<LibvirtSaveHeader, 'dataLength'> & { dataLength?: number }): Buffer {
  const xml = Buffer.from(`${header.xml}\0`, 'utf8');
  const cookie = header.cookie === null ? Buffer.alloc(0) : Buffer.from(`${header.cookie}\0`, 'utf8');
  if (xml.indexOf(0) !== xml.length - 1 || (cookie.length > 0 && cookie.indexOf(0) !== cookie.length - 1)) {
    throw new LibvirtSaveHeaderError(LIBVIRT_HEADER_SIZE, 'XML contains a NUL byte', 'cannot be stored NUL-terminated');
  }
  const used = xml.length + cookie.length;
  const dataLength = header.dataLength ?? used + LIBVIRT_XML_PADDING;
  if (dataLength < used || dataLength > MAX_DATA_LENGTH) {
    throw new LibvirtSaveHeaderError(20, 'data_len does not fit the XML', `${dataLength} < ${used}`);
  }
  const out = Buffer.alloc(LIBVIRT_HEADER_SIZE + dataLength);
  out.write(header.complete ? LIBVIRT_SAVE_MAGIC : LIBVIRT_PARTIAL_MAGIC, 0, 'latin1');
  out.writeUInt32LE(LIBVIRT_SAVE_VERSION, 16);
  out.writeUInt32LE(dataLength, 20);
  out.writeUInt32LE(header.wasRunning ? 1 : 0, 24);
  out.writeUInt32LE(header.compressed, 28);
  out.writeUInt32LE(header.cookie === null ? 0 : xml.length, 32);
  xml.copy(out, LIBVIRT_HEADER_SIZE);
  cookie.copy(out, LIBVIRT_HEADER_SIZE + xml.length);
  return out;
}

/** Text from bytes that must be valid UTF-8, so that writing it back gives the same bytes. */
function utf8Exact(buf: Buffer, start: number, end: number): string {
  const text = buf.toString('utf8', start, end);
  if (!buf.subarray(start, end).equals(Buffer.from(text, 'utf8'))) {
    throw new LibvirtSaveHeaderError(start, 'XML is not valid UTF-8', `${end - start} bytes`);
  }
  return text;
}
