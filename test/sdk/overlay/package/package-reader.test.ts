import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import {
  BaseVmMismatchError,
  BlobSizeMismatchError,
  ChecksumError,
  ChunkOverlapError,
  ChunkRangeError,
  createOverlayPackage,
  MemberLimitError,
  MemberOrderError,
  MetaTooLargeError,
  MetaVersionError,
  MissingMemberError,
  openOverlayPackage,
  UnexpectedMemberError,
  type OverlayPackage,
} from '../../../../sdk/overlay/package/index.js';
import { StoredZipWriter } from '../../../../sdk/overlay/package/zip-writer.js';

const baseVmId = createHash('sha256').update('base disk').digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blobA = Buffer.from('compressed bytes of blob A');
const blobB = Buffer.alloc((2 << 20) + 17, 7); // three 1 MiB pieces
let dir: string;
let valid: string;

/** The wire meta of a package holding blobA and blobB, for tests that make it lie. */
function wire(): Record<string, unknown> & { blobs: Record<string, unknown>[] } {
  return {
    format: 'cloudlet-overlay', version: 1, base_vm_id: baseVmId, chunk_size: 4096, disk_size: 1 << 20,
    memory_size: 4 << 20, created_by: 'test', disk_zeroed: [],
    blobs: [
      { name: 'a', codec: 'xz', size: blobA.length, uncompressed_size: 4096, sha256: sha256(blobA), disk: [0, 1], memory: [] },
      { name: 'b', codec: 'none', size: blobB.length, uncompressed_size: blobB.length, sha256: sha256(blobB), disk: [], memory: [0, 513] },
    ],
  };
}

/** Writes a zip with exactly these members, bypassing the package writer's checks. */
async function rawPackage(members: [string, Buffer][]): Promise<string> {
  const path = join(dir, `raw-${Math.random().toString(36).slice(2)}.zip`);
  const zip = await StoredZipWriter.create(path);
  for (const [name, data] of members) await zip.addMember(name, data);
  await zip.finish('');
  return path;
}

const withMeta = (meta: unknown, blobs: [string, Buffer][] = [['a', blobA], ['b', blobB]]) =>
  rawPackage([...blobs, ['overlay-meta', Buffer.from(encode(meta))]]);

async function collect(pkg: OverlayPackage, name: string): Promise<Buffer[]> {
  const pieces: Buffer[] = [];
  for await (const piece of pkg.readBlob(name)) pieces.push(piece);
  return pieces;
}

describe('overlay package reader', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'package-reader-'));
    valid = await withMeta(wire());
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('opens a package and hands out each blob after verifying it', async () => {
    const pkg = await openOverlayPackage(valid, { expectedBaseVmId: baseVmId });
    assert.deepEqual(pkg.meta.blobs.map((b) => b.name), ['a', 'b']);
    assert.deepEqual(Buffer.concat(await collect(pkg, 'a')), blobA);
    const pieces = await collect(pkg, 'b');
    assert.deepEqual(pieces.map((p) => p.length), [1 << 20, 1 << 20, 17]);
    assert.deepEqual(Buffer.concat(pieces), blobB);
    await pkg.verifyBlob('b');
    await assert.rejects(collect(pkg, 'c'), (e: unknown) => e instanceof MissingMemberError && e.member === 'c');
    await pkg.close();
  });

  it('reads what the package writer wrote', async () => {
    const path = join(dir, 'written.zip');
    const writer = await createOverlayPackage(path, { baseVmId, diskSize: 4096, memorySize: 0, createdBy: 'test' });
    await writer.addBlob(blobA, { codec: 'xz', uncompressedSize: 4096, disk: [{ first: 0, count: 1 }] });
    await writer.finish();
    const pkg = await openOverlayPackage(path, { expectedBaseVmId: baseVmId });
    assert.deepEqual(Buffer.concat(await collect(pkg, 'overlay-blob-1')), blobA);
    await pkg.close();
  });

  it('refuses a package made for another base VM, unless opened for inspection', async () => {
    const other = 'f'.repeat(64);
    await assert.rejects(openOverlayPackage(valid, { expectedBaseVmId: other }), (e: unknown) =>
      e instanceof BaseVmMismatchError && e.expected === other && e.actual === baseVmId);
    const pkg = await openOverlayPackage(valid, { expectedBaseVmId: null });
    assert.equal(pkg.meta.baseVmId, baseVmId);
    await pkg.close();
  });

  it('refuses a meta larger than the limit before reading it', async () => {
    await assert.rejects(openOverlayPackage(valid, { expectedBaseVmId: baseVmId, limits: { maxMetaBytes: 100 } }), (e: unknown) =>
      e instanceof MetaTooLargeError && e.limit === 100 && e.size > 100);
  });

  it('refuses more members than the limit', async () => {
    await assert.rejects(openOverlayPackage(valid, { expectedBaseVmId: baseVmId, limits: { maxMembers: 2 } }), (e: unknown) =>
      e instanceof MemberLimitError && e.count === 3);
  });

  it('refuses a package without overlay-meta', async () => {
    const path = await rawPackage([['a', blobA]]);
    await assert.rejects(openOverlayPackage(path, { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof MissingMemberError && e.member === 'overlay-meta');
  });

  it('refuses an unknown meta version', async () => {
    await assert.rejects(openOverlayPackage(await withMeta({ ...wire(), version: 3 }), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof MetaVersionError && e.version === 3);
  });

  it('reads a v1 package (overlay-meta last) and refuses a v2 meta in that order', async () => {
    const v1 = await openOverlayPackage(await withMeta(wire()), { expectedBaseVmId: baseVmId });
    assert.equal(v1.formatVersion, 1);
    await v1.close();
    await assert.rejects(openOverlayPackage(await withMeta({ ...wire(), version: 2 }), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof MemberOrderError && e.position === 0 && e.expected === 'overlay-meta' && e.actual === 'a');
  });

  it('refuses a meta whose blob size disagrees with the zip member', async () => {
    const meta = wire();
    meta.blobs[0]!.size = blobA.length + 1;
    await assert.rejects(openOverlayPackage(await withMeta(meta), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof BlobSizeMismatchError && e.blob === 'a' && e.expected === blobA.length + 1 && e.actual === blobA.length);
  });

  it('refuses a meta claiming chunks beyond the disk or claiming one chunk twice', async () => {
    const beyond = wire();
    beyond.blobs[0]!.disk = [256, 1];
    await assert.rejects(openOverlayPackage(await withMeta(beyond), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof ChunkRangeError && e.owner === 'a' && e.first === 256 && e.limit === 256);
    const twice = wire();
    twice.blobs[0]!.memory = [512, 1];
    await assert.rejects(openOverlayPackage(await withMeta(twice), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof ChunkOverlapError && e.space === 'memory' && e.index === 512);
  });

  it('refuses a meta listing a blob the zip does not hold', async () => {
    await assert.rejects(openOverlayPackage(await withMeta(wire(), [['a', blobA]]), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof MissingMemberError && e.member === 'b');
  });

  it('refuses a zip member the meta does not list', async () => {
    const path = await withMeta(wire(), [['a', blobA], ['b', blobB], ['extra', Buffer.from('x')]]);
    await assert.rejects(openOverlayPackage(path, { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof UnexpectedMemberError && e.member === 'extra');
  });

  it('refuses a meta whose bytes do not match their CRC-32', async () => {
    const bytes = await readFile(valid);
    const metaName = bytes.lastIndexOf('overlay-meta', bytes.length - 100);
    bytes[metaName + 'overlay-meta'.length + 20]! ^= 0x01; // a byte inside the encoded created_by/base id
    const path = join(dir, 'meta-crc.zip');
    await writeFile(path, bytes);
    await assert.rejects(openOverlayPackage(path, { expectedBaseVmId: null }), (e: unknown) =>
      e instanceof ChecksumError && e.member === 'overlay-meta' && e.algorithm === 'crc32');
  });

  it('refuses a corrupted blob before handing out any of its bytes', async () => {
    const bytes = await readFile(valid);
    bytes[bytes.indexOf(blobA) + 3]! ^= 0xff;
    const path = join(dir, 'corrupt.zip');
    await writeFile(path, bytes);
    const pkg = await openOverlayPackage(path, { expectedBaseVmId: baseVmId });
    const handed: Buffer[] = [];
    await assert.rejects((async () => { for await (const p of pkg.readBlob('a')) handed.push(p); })(), (e: unknown) =>
      e instanceof ChecksumError && e.member === 'a' && e.algorithm === 'sha256' && e.expected === sha256(blobA));
    assert.equal(handed.length, 0);
    await pkg.close();
  });

  it('notices, at the end of the stream, a blob that changed after it was verified', async () => {
    const path = join(dir, 'changing.zip');
    await writeFile(path, await readFile(valid));
    const pkg = await openOverlayPackage(path, { expectedBaseVmId: baseVmId });
    const at = (await readFile(path)).indexOf(blobB) + blobB.length - 1;
    let pieces = 0;
    await assert.rejects((async () => {
      for await (const _ of pkg.readBlob('b')) {
        if (pieces++ === 0) {
          const file = await open(path, 'r+');
          await file.write(Buffer.from([0]), 0, 1, at);
          await file.close();
        }
      }
    })(), (e: unknown) => e instanceof ChecksumError && e.member === 'b');
    assert.equal(pieces, 3, 'the error comes after the last piece');
    await pkg.close();
  });
});
