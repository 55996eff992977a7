import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { ChunkOverlapError, ChunkRangeError, MetaFieldError, MetaVersionError } from '../../../../sdk/overlay/package/errors.js';
import { decodeMeta, encodeMeta, metaVersion, type OverlayMeta } from '../../../../sdk/overlay/package/meta.js';

const baseVmId = 'a'.repeat(64);
const meta = (): OverlayMeta => ({
  baseVmId,
  diskSize: 1 << 20,
  memorySize: 64 * 4096 + 100,
  createdBy: 'cloudlet-tasks 0.1.0',
  diskZeroed: [{ first: 200, count: 56 }],
  blobs: [
    { name: 'overlay-blob-1', codec: 'xz', size: 10, uncompressedSize: 99, sha256: 'b'.repeat(64), disk: [{ first: 0, count: 3 }], memory: [{ first: 64, count: 1 }] },
    { name: 'overlay-blob-2', codec: 'none', size: 5, uncompressedSize: 5, sha256: 'c'.repeat(64), disk: [{ first: 3, count: 1 }], memory: [] },
  ],
});

/** The wire map of meta(), as plain msgpack data, for tests that make it lie. */
function wire(): Record<string, unknown> & { blobs: Record<string, unknown>[] } {
  return {
    format: 'cloudlet-overlay', version: 2, base_vm_id: baseVmId, chunk_size: 4096, disk_size: 1 << 20,
    memory_size: 64 * 4096 + 100, created_by: 'cloudlet-tasks 0.1.0', disk_zeroed: [200, 56],
    blobs: [
      { name: 'overlay-blob-1', codec: 'xz', size: 10, uncompressed_size: 99, sha256: 'b'.repeat(64), disk: [0, 3], memory: [64, 1] },
      { name: 'overlay-blob-2', codec: 'none', size: 5, uncompressed_size: 5, sha256: 'c'.repeat(64), disk: [3, 1], memory: [] },
    ],
  };
}

const decodeWire = (w: unknown) => decodeMeta(encode(w));
/** Matches a MetaFieldError on `field` or on one of its elements (`field[3]`). */
const fieldError = (field: string) => (e: unknown) =>
  e instanceof MetaFieldError && (e.field === field || e.field.startsWith(`${field}[`));

describe('overlay-meta', () => {
  it('round-trips every field', () => {
    assert.deepEqual(decodeMeta(encodeMeta(meta())), meta());
  });

  it('is the same bytes as the documented wire map', () => {
    assert.deepEqual(encodeMeta(meta()), Buffer.from(encode(wire())));
  });

  it('writes version 2 and still reads version 1, whose fields are the same (only the zip layout differs)', () => {
    assert.equal(metaVersion(encodeMeta(meta())), 2);
    const v1 = encode({ ...wire(), version: 1 });
    assert.deepEqual(decodeMeta(v1), meta());
    assert.equal(metaVersion(v1), 1);
  });

  it('accepts keys after format and version in any order', () => {
    const { format, version, blobs, ...rest } = wire();
    const reordered = { format, version, blobs, ...Object.fromEntries(Object.entries(rest).reverse()) };
    assert.deepEqual(decodeWire(reordered), meta());
  });

  it('checks format and version before any other field', () => {
    assert.throws(() => decodeWire({ ...wire(), version: 3, base_vm_id: 'junk' }), (e: unknown) =>
      e instanceof MetaVersionError && e.version === 3 && e.format === 'cloudlet-overlay');
    assert.throws(() => decodeWire({ ...wire(), format: 'elijah' }), (e: unknown) => e instanceof MetaVersionError && e.format === 'elijah');
    const { format, ...noFormat } = wire();
    assert.equal(format, 'cloudlet-overlay');
    assert.throws(() => decodeWire(noFormat), MetaVersionError);
    // An original Elijah overlay-meta (no format, no version) is refused the same way.
    assert.throws(() => decodeWire({ base_vm_sha256: baseVmId, overlay_files: [] }), MetaVersionError);
  });

  it('refuses unknown, missing and repeated keys', () => {
    assert.throws(() => decodeWire({ ...wire(), signature: 'x' }), fieldError('signature'));
    const { created_by: _dropped, ...missing } = wire();
    assert.throws(() => decodeWire(missing), fieldError('created_by'));
    const repeated = Buffer.concat([Buffer.from(encode(wire())), Buffer.from(encode('created_by')), Buffer.from(encode('again'))]);
    repeated[0] = repeated[0]! + 1; // one more pair in the fixmap header
    assert.throws(() => decodeMeta(repeated), fieldError('created_by'));
  });

  for (const [field, value] of [
    ['base_vm_id', 'A'.repeat(64)],
    ['base_vm_id', 'a'.repeat(63)],
    ['chunk_size', 512],
    ['disk_size', 0],
    ['disk_size', 4097],
    ['disk_size', 2 ** 53],
    ['memory_size', -1],
    ['memory_size', 2 ** 51],
    ['memory_size', '1024'],
    ['created_by', ''],
    ['created_by', 'x'.repeat(129)],
    ['created_by', 'tab\there'],
    // info-overlay prints it: a terminal escape (clear screen, retitle) or a C1 control never gets that far.
    ['created_by', 'x\u001b[2J\u001b]0;owned\u0007'],
    ['created_by', 'x\u009b31m'],
    ['disk_zeroed', [1]],
    ['blobs', Array.from({ length: 4097 }, () => ({}))],
  ] as const) {
    it(`refuses ${field} = ${JSON.stringify(value).slice(0, 40)}`, () => {
      assert.throws(() => decodeWire({ ...wire(), [field]: value }), fieldError(field));
    });
  }

  for (const [field, value] of [
    ['name', 'overlay-meta'],
    ['name', '../etc/passwd'],
    ['name', '.hidden'],
    ['codec', 'gzip'],
    ['size', 2 ** 32],
    ['uncompressed_size', 2 ** 51],
    ['sha256', 'z'.repeat(64)],
    ['disk', [0, 0]],
    ['memory', 'all'],
  ] as const) {
    it(`refuses blobs[0].${field} = ${JSON.stringify(value)}`, () => {
      const w = wire();
      w.blobs[0]![field] = value;
      assert.throws(() => decodeWire(w), fieldError(`blobs[0].${field}`));
    });
  }

  it('refuses a stored (codec none) blob whose sizes differ', () => {
    const w = wire();
    w.blobs[1]!.uncompressed_size = 6;
    assert.throws(() => decodeWire(w), fieldError('blobs[1].uncompressed_size'));
  });

  it('refuses two blobs with one name', () => {
    const w = wire();
    w.blobs[1]!.name = 'overlay-blob-1';
    assert.throws(() => decodeWire(w), fieldError('blobs'));
  });

  it('refuses disk chunks past the disk and memory pages past the memory', () => {
    const disk = wire();
    disk.blobs[0]!.disk = [255, 2];
    assert.throws(() => decodeWire(disk), (e: unknown) =>
      e instanceof ChunkRangeError && e.owner === 'overlay-blob-1' && e.space === 'disk' && e.first === 255 && e.limit === 256);
    const memory = wire();
    memory.blobs[1]!.memory = [65, 1]; // 64 pages + 100 bytes = 65 pages: indexes 0..64
    assert.throws(() => decodeWire(memory), (e: unknown) => e instanceof ChunkRangeError && e.space === 'memory' && e.limit === 65);
    const zeroed = wire();
    zeroed.disk_zeroed = [250, 7];
    assert.throws(() => decodeWire(zeroed), (e: unknown) => e instanceof ChunkRangeError && e.owner === 'disk_zeroed');
  });

  it('refuses a chunk claimed twice, between blobs or by a blob and the zeroed list', () => {
    const blobs = wire();
    blobs.blobs[1]!.disk = [2, 1];
    assert.throws(() => decodeWire(blobs), (e: unknown) =>
      e instanceof ChunkOverlapError && e.space === 'disk' && e.index === 2 && e.first === 'overlay-blob-1' && e.second === 'overlay-blob-2');
    const zeroed = wire();
    zeroed.blobs[1]!.disk = [201, 1];
    assert.throws(() => decodeWire(zeroed), (e: unknown) => e instanceof ChunkOverlapError && e.first === 'disk_zeroed');
  });

  it('refuses trailing bytes and truncation', () => {
    const bytes = encodeMeta(meta());
    assert.throws(() => decodeMeta(Buffer.concat([bytes, Buffer.from([0])])), fieldError('(meta)'));
    assert.throws(() => decodeMeta(bytes.subarray(0, bytes.length - 1)), MetaFieldError);
  });

  it('refuses array headers that declare more elements than bytes remain, without allocating for them', () => {
    // 2^32−1 elements declared in 5 bytes: a generic decoder would reserve the array up front.
    const head = Buffer.from(encode({ format: 'cloudlet-overlay', version: 1 }));
    head[0] = 0x80 | 3;
    const bomb = Buffer.concat([head, Buffer.from(encode('blobs')), Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff])]);
    assert.throws(() => decodeMeta(bomb), fieldError('blobs'));
    const ranges = Buffer.concat([head, Buffer.from(encode('disk_zeroed')), Buffer.from([0xdd, 0x7f, 0xff, 0xff, 0xff])]);
    assert.throws(() => decodeMeta(ranges), fieldError('disk_zeroed'));
  });

  it('encodeMeta refuses what decodeMeta would refuse', () => {
    assert.throws(() => encodeMeta({ ...meta(), diskSize: 1000 }), fieldError('disk_size'));
  });
});
