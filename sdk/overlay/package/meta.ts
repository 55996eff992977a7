import { encode } from '@msgpack/msgpack';
import { CHUNK_SIZE } from '../../image/disk/chunk.js';
import { checkDisjoint, encodeRanges, MAX_CHUNKS, readRanges, type ChunkRange } from './chunk-ranges.js';
import { ChunkRangeError, MetaFieldError, MetaVersionError } from './errors.js';
import { MsgpackCursor } from './msgpack-cursor.js';

/**
 * overlay-meta, format v2: one msgpack map. `format` and `version` are always the first two entries
 * and are checked before anything else; the other keys may come in any order, each exactly once,
 * and unknown keys are refused (a new field means a new version).
 *
 * | key                 | type         | limits and meaning                                              |
 * |---------------------|--------------|-----------------------------------------------------------------|
 * | format              | str          | "cloudlet-overlay"                                              |
 * | version             | uint         | 2 (1 is read too: see below)                                    |
 * | base_vm_id          | str          | 64 lowercase hex: SHA-256 of the base disk (the Base VM ID)    |
 * | chunk_size          | uint         | 4096: size of a disk chunk and of a memory page                 |
 * | disk_size           | uint         | bytes; a multiple of chunk_size, 1 chunk … 2^40 chunks          |
 * | memory_size         | uint         | bytes of the space memory page indexes address; pages = ⌈size/4096⌉ |
 * | created_by          | str          | tool and version, 1–128 printable ASCII                         |
 * | disk_zeroed         | uint array   | runs (chunk-ranges.ts) of disk chunks that read as zeros and carry no data |
 * | blobs               | map array    | 0–4096 blobs, in zip order:                                     |
 * | ↳ name              | str          | `[A-Za-z0-9][A-Za-z0-9._-]{0,127}`, unique, no reserved name    |
 * | ↳ codec             | str          | "xz", "zstd" or "none"                                          |
 * | ↳ size              | uint         | bytes of the zip member, ≤ 2^32−2                                |
 * | ↳ uncompressed_size | uint         | bytes after decompression, ≤ 2^50; equals size for "none"       |
 * | ↳ sha256            | str          | 64 lowercase hex of the member's bytes                          |
 * | ↳ disk              | uint array   | runs of disk chunks this blob holds                             |
 * | ↳ memory            | uint array   | runs of memory pages this blob holds                            |
 * No chunk is claimed twice, across blobs and disk_zeroed alike. The reserved names are those of
 * the package's own members: overlay-meta and overlay-sig (the optional signature, overlay-sig.ts).
 *
 * The fields are the same in both versions; the version says how the zip is laid out
 * (zip-layout.ts): v1 put overlay-meta and overlay-sig after the blobs, v2 puts them first, so a
 * package can be checked and applied as it streams. Files of either version are read; writers
 * write v2, and only a v2 package can be synthesized from a stream.
 */
export const META_FORMAT = 'cloudlet-overlay';
export const META_VERSION = 2;
/** Versions decodeMeta accepts. */
export const META_VERSIONS: readonly number[] = [1, 2];
export const META_MEMBER = 'overlay-meta';
export const SIGNATURE_MEMBER = 'overlay-sig';
/** The format's chunk is the disk chunk, 4096 bytes. */
export { CHUNK_SIZE };
export const MAX_BLOBS = 4096;
export const BLOB_CODECS = ['xz', 'zstd', 'none'] as const;
const MAX_SIZE = 2 ** 50;
const MAX_BLOB_BYTES = 0xfffffffe;
const HEX_64 = /^[0-9a-f]{64}$/;
const BLOB_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const CREATED_BY = /^[\x20-\x7e]{1,128}$/;

/** How a blob of an overlay package is compressed. */
export type BlobCodec = (typeof BLOB_CODECS)[number];

/** One blob of an overlay package, as overlay-meta describes it: codec, sizes, SHA-256 and the chunks it claims. */
export interface BlobMeta {
  name: string;
  codec: BlobCodec;
  size: number;
  uncompressedSize: number;
  sha256: string;
  disk: ChunkRange[];
  memory: ChunkRange[];
}

/** The overlay-meta record of an overlay package: its base VM ID, sizes and blobs. */
export interface OverlayMeta {
  baseVmId: string;
  diskSize: number;
  memorySize: number;
  createdBy: string;
  diskZeroed: ChunkRange[];
  blobs: BlobMeta[];
}

/**
 * Chunks of the disk and pages of the memory the meta describes.
 *
 * @example chunkLimits({ diskSize: 1 << 20, memorySize: 4097 }) // → { disk: 256, memory: 2 }
 */
export function chunkLimits(meta: Pick<OverlayMeta, 'diskSize' | 'memorySize'>): { disk: number; memory: number } {
  return { disk: meta.diskSize / CHUNK_SIZE, memory: Math.ceil(meta.memorySize / CHUNK_SIZE) };
}

/**
 * Encodes a meta after validating it exactly as decodeMeta would, so a writer cannot produce a
 * package its own reader refuses. Ranges must already be canonical (normalizeRanges).
 *
 * @example const bytes = encodeMeta({ baseVmId, diskSize: 8 << 30, memorySize: 1 << 30, createdBy: 'cloudlet-tasks 0.1.0', diskZeroed: [], blobs: [] });
 */
export function encodeMeta(meta: OverlayMeta): Buffer {
  const bytes = Buffer.from(encode({
    format: META_FORMAT,
    version: META_VERSION,
    base_vm_id: meta.baseVmId,
    chunk_size: CHUNK_SIZE,
    disk_size: meta.diskSize,
    memory_size: meta.memorySize,
    created_by: meta.createdBy,
    disk_zeroed: encodeRanges(meta.diskZeroed),
    blobs: meta.blobs.map((b) => ({
      name: b.name,
      codec: b.codec,
      size: b.size,
      uncompressed_size: b.uncompressedSize,
      sha256: b.sha256,
      disk: encodeRanges(b.disk),
      memory: encodeRanges(b.memory),
    })),
  }));
  decodeMeta(bytes);
  return bytes;
}

/**
 * Decodes and validates every field of an overlay-meta (see the table above), reading it with a
 * bounds-checked cursor; throws MetaVersionError, MetaFieldError, ChunkRangeError or ChunkOverlapError.
 *
 * @example const meta = decodeMeta(await readFile('overlay-meta')); meta.blobs[0]?.disk // [{ first: 0, count: 3 }]
 */
export function decodeMeta(bytes: Uint8Array): OverlayMeta {
  const cursor = new MsgpackCursor(bytes);
  const { pairs } = readVersion(cursor);

  const fields = readFields(cursor, '', pairs - 2, {
    base_vm_id: (f) => hex64(cursor.str(f, 64), f),
    chunk_size: (f) => {
      const size = cursor.uint(f, MAX_SIZE);
      if (size !== CHUNK_SIZE) throw new MetaFieldError(f, `chunk size ${size} is not ${CHUNK_SIZE}`);
    },
    disk_size: (f) => {
      const size = cursor.uint(f, CHUNK_SIZE * MAX_CHUNKS);
      if (size === 0 || size % CHUNK_SIZE !== 0) throw new MetaFieldError(f, `${size} is not a positive multiple of ${CHUNK_SIZE}`);
      return size;
    },
    memory_size: (f) => cursor.uint(f, MAX_SIZE),
    created_by: (f) => matching(cursor.str(f, 128), CREATED_BY, f),
    // Run limits need disk_size and memory_size, which may come later: read with no limit, check below.
    disk_zeroed: (f) => readRanges(cursor, f, 'disk_zeroed', 'disk', MAX_CHUNKS),
    blobs: (f) => {
      const count = cursor.arrayHeader(f, MAX_BLOBS);
      return Array.from({ length: count }, (_, i) => readBlob(cursor, `${f}[${i}]`));
    },
  });
  cursor.end('(meta)');
  const meta: OverlayMeta = {
    baseVmId: fields.base_vm_id,
    diskSize: fields.disk_size,
    memorySize: fields.memory_size,
    createdBy: fields.created_by,
    diskZeroed: fields.disk_zeroed,
    blobs: fields.blobs,
  };
  checkClaims(meta);
  return meta;
}

/**
 * The format version of an overlay-meta (one of META_VERSIONS, else MetaVersionError), read from its first two entries.
 *
 * @example metaVersion(encodeMeta(meta)) // → 2
 */
export function metaVersion(bytes: Uint8Array): number {
  return readVersion(new MsgpackCursor(bytes)).version;
}

function readVersion(cursor: MsgpackCursor): { pairs: number; version: number } {
  const pairs = cursor.mapHeader('(meta)');
  const format = pairs >= 2 && cursor.str('(key)', 64) === 'format' ? cursor.str('format', 64) : undefined;
  const version = format !== undefined && cursor.str('(key)', 64) === 'version' ? cursor.uint('version', MAX_SIZE) : undefined;
  if (format !== META_FORMAT || version === undefined || !META_VERSIONS.includes(version)) throw new MetaVersionError(format, version);
  return { pairs, version };
}

function readBlob(cursor: MsgpackCursor, field: string): BlobMeta {
  const pairs = cursor.mapHeader(field);
  let name = field;
  const f = readFields(cursor, `${field}.`, pairs, {
    name: (k) => {
      name = matching(cursor.str(k, 128), BLOB_NAME, k);
      if (name === META_MEMBER || name === SIGNATURE_MEMBER) throw new MetaFieldError(k, `a blob cannot be named ${name}`);
      return name;
    },
    codec: (k) => {
      const codec = cursor.str(k, 16);
      if (!(BLOB_CODECS as readonly string[]).includes(codec)) throw new MetaFieldError(k, `unknown codec ${JSON.stringify(codec)}`);
      return codec as BlobCodec;
    },
    size: (k) => cursor.uint(k, MAX_BLOB_BYTES),
    uncompressed_size: (k) => cursor.uint(k, MAX_SIZE),
    sha256: (k) => hex64(cursor.str(k, 64), k),
    disk: (k) => readRanges(cursor, k, name, 'disk', MAX_CHUNKS),
    memory: (k) => readRanges(cursor, k, name, 'memory', MAX_CHUNKS),
  });
  const blob: BlobMeta = {
    name: f.name,
    codec: f.codec,
    size: f.size,
    uncompressedSize: f.uncompressed_size,
    sha256: f.sha256,
    disk: f.disk,
    memory: f.memory,
  };
  if (blob.codec === 'none' && blob.uncompressedSize !== blob.size) {
    throw new MetaFieldError(`${field}.uncompressed_size`, `codec none but ${blob.uncompressedSize} ≠ size ${blob.size}`);
  }
  return blob;
}

/** Reads `pairs` entries, each key exactly once and known to `parsers`; all keys are required. */
function readFields<P extends Record<string, (field: string) => unknown>>(
  cursor: MsgpackCursor,
  prefix: string,
  pairs: number,
  parsers: P,
): { [K in keyof P]: ReturnType<P[K]> } {
  const values = new Map<string, unknown>();
  for (let i = 0; i < pairs; i++) {
    const key = cursor.str(`${prefix}(key)`, 64);
    if (!Object.hasOwn(parsers, key)) throw new MetaFieldError(`${prefix}${key}`, 'unknown key');
    if (values.has(key)) throw new MetaFieldError(`${prefix}${key}`, 'appears twice');
    values.set(key, parsers[key](`${prefix}${key}`));
  }
  for (const key of Object.keys(parsers)) {
    if (!values.has(key)) throw new MetaFieldError(`${prefix}${key}`, 'missing');
  }
  return Object.fromEntries(values) as { [K in keyof P]: ReturnType<P[K]> };
}

/** Cross-field rules: runs within the disk and memory, no chunk claimed twice, unique blob names. */
function checkClaims(meta: OverlayMeta): void {
  const limits = chunkLimits(meta);
  const names = new Set<string>();
  for (const blob of meta.blobs) {
    if (names.has(blob.name)) throw new MetaFieldError('blobs', `two blobs are named ${blob.name}`);
    names.add(blob.name);
  }
  const claims = (space: 'disk' | 'memory') => [
    ...(space === 'disk' ? [{ owner: 'disk_zeroed', ranges: meta.diskZeroed }] : []),
    ...meta.blobs.map((b) => ({ owner: b.name, ranges: b[space] })),
  ];
  for (const space of ['disk', 'memory'] as const) {
    const all = claims(space);
    for (const { owner, ranges } of all) {
      const out = ranges.find((r) => r.first + r.count > limits[space]);
      if (out !== undefined) throw new ChunkRangeError(owner, space, out.first, out.count, limits[space]);
    }
    checkDisjoint(space, all);
  }
}

function hex64(value: string, field: string): string {
  return matching(value, HEX_64, field);
}

function matching(value: string, pattern: RegExp, field: string): string {
  if (!pattern.test(value)) throw new MetaFieldError(field, `${JSON.stringify(value)} does not match ${pattern}`);
  return value;
}
