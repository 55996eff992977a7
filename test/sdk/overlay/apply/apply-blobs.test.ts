import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { xzCompress } from '../../../../native/lzma.js';
import { writeHashList } from '../../../../sdk/image/disk/index.js';
import { applyBlob, applyBlobs, ItemApplier, ItemApplyError } from '../../../../sdk/overlay/apply/index.js';
import { ChunkFile } from '../../../../sdk/overlay/chunk-io/index.js';
import { BlobOverrunError, BlobUnderrunError, compressItemBlobs } from '../../../../sdk/overlay/compress/index.js';
import { DeltaDecoder } from '../../../../sdk/overlay/delta/index.js';
import { openItemEncoder, type OverlayChunk } from '../../../../sdk/overlay/encode/index.js';
import { ItemRangeError, ItemStreamWriter, MissingReferenceError, type OverlayItem } from '../../../../sdk/overlay/items/index.js';
import { ChecksumError, createOverlayPackage, openOverlayPackage, type BlobDescription } from '../../../../sdk/overlay/package/index.js';
import { chunkArray, guestPage, streamOf, touched } from '../chunks.js';

const DISK = 1024;
const MEMORY = 512;
const BASE_VM_ID = 'ab'.repeat(32);
const zero = Buffer.alloc(4096);
let dir: string;
const baseDisk = Array.from({ length: DISK }, (_, i) => (i % 5 === 0 ? zero : guestPage(1000 + i)));
const baseMemory = Array.from({ length: MEMORY }, (_, i) => (i % 7 === 0 ? zero : guestPage(5000 + i)));

/** The customized VM's changes, one group per kind of item the encoder should make. */
function changes(): { memory: OverlayChunk[]; disk: OverlayChunk[] } {
  const shared = Array.from({ length: 10 }, () => randomBytes(4096));
  const rewritten = Array.from({ length: 50 }, () => randomBytes(4096));
  const memory: OverlayChunk[] = [];
  const disk: OverlayChunk[] = [];
  const m = (index: number, data: Buffer) => memory.push({ kind: 'memory', index, data });
  const d = (index: number, data: Buffer) => disk.push({ kind: 'disk', index, data });
  for (let i = 1; i < 50; i++) if (i % 7 !== 0) m(i, touched(baseMemory[i]!, 1 + (i % 9), i)); // xdelta3
  for (let i = 50; i < 80; i++) m(i, randomBytes(4096)); // raw
  for (let i = 80; i < 90; i++) m(i, shared[i - 80]!); // raw, later referred to by disk
  for (let i = 90; i < 100; i++) if (i % 7 !== 0) m(i, zero); // zero
  for (let i = 100; i < 110; i++) m(i, baseDisk[(i - 100) * 5 + 401]!); // base-disk
  for (let i = 1; i < 100; i++) if (i % 5 !== 0) d(i, touched(baseDisk[i]!, 1 + (i % 13), i)); // xdelta3
  for (let i = 100; i < 150; i++) d(i, rewritten[i - 100]!); // raw
  for (let i = 150; i < 160; i++) d(i, baseMemory[(i - 150) * 7 + 1]!); // base-memory
  for (let i = 160; i < 170; i++) d(i, baseDisk[(i - 160) * 5 + 501]!); // base-disk
  for (let i = 171; i < 180; i++) if (i % 5 !== 0) d(i, zero); // zero
  for (let i = 180; i < 190; i++) d(i, rewritten[i - 180]!); // self → disk, often in an earlier blob
  for (let i = 190; i < 200; i++) d(i, shared[i - 190]!); // self → memory
  return { memory, disk };
}

async function* chunksOf(groups: { memory: OverlayChunk[]; disk: OverlayChunk[] }): AsyncGenerator<OverlayChunk> {
  yield* groups.memory;
  yield* groups.disk;
}

/** A package of hand-made blobs: each an item list, xz-compressed, with its meta entry (overridable). */
async function packageOf(name: string, blobs: { items: OverlayItem[]; describe?: Partial<BlobDescription>; data?: Buffer }[]): Promise<string> {
  const path = join(dir, name);
  const writer = await createOverlayPackage(path, { baseVmId: BASE_VM_ID, diskSize: DISK * 4096, memorySize: MEMORY * 4096, createdBy: 'test' });
  for (const blob of blobs) {
    const stream = new ItemStreamWriter(1 << 20);
    for (const item of blob.items) stream.add(item);
    const { bytes, claims } = stream.finish();
    await writer.addBlob(blob.data ?? (await xzCompress(bytes, { preset: 0 })), { codec: 'xz', uncompressedSize: bytes.length, ...claims, ...blob.describe });
  }
  await writer.finish();
  return path;
}

/** Applies a package to fresh outputs over the real base files; returns the outputs' contents merged over the base. */
async function synthesize(path: string, name: string): Promise<{ disk: Buffer[]; memory: Buffer[]; items: number }> {
  const pkg = await openOverlayPackage(path, { expectedBaseVmId: BASE_VM_ID });
  const base = { disk: await ChunkFile.open(join(dir, 'base.raw')), memory: await ChunkFile.open(join(dir, 'base.mem')) };
  const output = { disk: await ChunkFile.create(join(dir, `${name}.disk`), DISK), memory: await ChunkFile.create(join(dir, `${name}.mem`), MEMORY) };
  try {
    const applier = new ItemApplier({ base, output, delta: await DeltaDecoder.create() });
    const items = await applyBlobs(pkg, applier);
    const merged = async (kind: 'disk' | 'memory', count: number) =>
      Promise.all(Array.from({ length: count }, (_, index) => (applier.has({ kind, index }) ? output[kind] : base[kind]).read(index)));
    return { disk: await merged('disk', DISK), memory: await merged('memory', MEMORY), items };
  } finally {
    await Promise.all([pkg.close(), base.disk.close(), base.memory.close(), output.disk.close(), output.memory.close()]);
  }
}

describe('applying overlay blobs', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'apply-blobs-'));
    await writeFile(join(dir, 'base.raw'), Buffer.concat(baseDisk));
    await writeFile(join(dir, 'base.mem'), Buffer.concat(baseMemory));
    await writeHashList(join(dir, 'base.raw'), join(dir, 'base.raw.hashes'));
    await writeHashList(join(dir, 'base.mem'), join(dir, 'base.mem.hashes'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('rebuilds the customized disk and memory bit-exact from an encoded, packaged overlay', async () => {
    const groups = changes();
    const { encoder, close } = await openItemEncoder({
      disk: { image: join(dir, 'base.raw'), hashes: join(dir, 'base.raw.hashes') },
      memory: { image: join(dir, 'base.mem'), hashes: join(dir, 'base.mem.hashes') },
    });
    const path = join(dir, 'overlay.zip');
    const writer = await createOverlayPackage(path, { baseVmId: BASE_VM_ID, diskSize: DISK * 4096, memorySize: MEMORY * 4096, createdBy: 'test' });
    try {
      for await (const blob of compressItemBlobs(encoder.items(chunksOf(groups)), { maxBlobBytes: 64 << 10, codec: { codec: 'xz', level: 0 } })) {
        await writer.addBlob(blob.data, blob);
      }
    } finally {
      await close();
    }
    const meta = await writer.finish();
    assert.ok(meta.blobs.length >= 4, `${meta.blobs.length} blobs`);
    for (const kind of ['xdelta3', 'raw', 'zero', 'base-disk', 'self'] as const) assert.ok(encoder.stats.memory[kind] + encoder.stats.disk[kind] > 0, kind);
    assert.deepEqual([encoder.stats.disk['base-memory'], encoder.stats.disk['base-disk'], encoder.stats.memory['base-disk']], [10, 10, 10]);
    assert.equal(encoder.stats.disk.self, 20);

    const expected = { disk: [...baseDisk], memory: [...baseMemory] };
    for (const chunk of [...groups.memory, ...groups.disk]) expected[chunk.kind][chunk.index] = chunk.data;
    const rebuilt = await synthesize(path, 'round-trip');
    assert.equal(rebuilt.items, groups.memory.length + groups.disk.length);
    for (const kind of ['disk', 'memory'] as const) {
      rebuilt[kind].forEach((chunk, index) => assert.ok(chunk.equals(expected[kind][index]!), `${kind} ${index}`));
    }
  });

  it('resolves a self reference into an earlier blob, and refuses one into a later blob', async () => {
    const raw: OverlayItem = { kind: 'disk', index: 2, encoding: 'raw', data: guestPage(9) };
    const ref: OverlayItem = { kind: 'memory', index: 1, encoding: 'self', target: { kind: 'disk', index: 2 } };
    const good = await synthesize(await packageOf('earlier.zip', [{ items: [raw] }, { items: [ref] }]), 'earlier');
    assert.ok(good.memory[1]!.equals(guestPage(9)));
    await assert.rejects(synthesize(await packageOf('later.zip', [{ items: [ref] }, { items: [raw] }]), 'later'), (e: unknown) => e instanceof MissingReferenceError && e.target.index === 2);
  });

  it('refuses a patch that does not apply to its base chunk', async () => {
    const path = await packageOf('bad-patch.zip', [{ items: [{ kind: 'disk', index: 3, encoding: 'xdelta3', patch: Buffer.from('not a patch') }] }]);
    await assert.rejects(synthesize(path, 'bad-patch'), (e: unknown) => e instanceof ItemApplyError && e.address.index === 3 && e.offset === 16);
  });

  it('refuses a blob whose meta lies about its uncompressed size', async () => {
    const items: OverlayItem[] = [{ kind: 'disk', index: 1, encoding: 'raw', data: guestPage(1) }];
    await assert.rejects(synthesize(await packageOf('short.zip', [{ items, describe: { uncompressedSize: 1000 } }]), 'short'), BlobOverrunError);
    await assert.rejects(synthesize(await packageOf('long.zip', [{ items, describe: { uncompressedSize: 5000 } }]), 'long'), BlobUnderrunError);
  });

  it('refuses a decompression bomb inside a valid package', async () => {
    const bomb = await xzCompress(Buffer.alloc(32 << 20), { preset: 0 });
    const path = await packageOf('bomb.zip', [{ items: [{ kind: 'disk', index: 1, encoding: 'zero' }], data: bomb }]);
    await assert.rejects(synthesize(path, 'bomb'), (e: unknown) => e instanceof BlobOverrunError && e.declared === 48);
  });

  it('refuses a bit-flipped blob before applying any of it', async () => {
    const path = await packageOf('flipped.zip', [{ items: [{ kind: 'disk', index: 1, encoding: 'raw', data: guestPage(1) }] }]);
    const bytes = await readFile(path);
    // Inside the first blob's data, just after its local header (30 bytes, then the name; the meta comes first in format v2).
    const name = Buffer.from('overlay-blob-1');
    let header = bytes.indexOf(Buffer.from('PK\x03\x04', 'latin1'));
    while (header >= 0 && !bytes.subarray(header + 30, header + 30 + name.length).equals(name)) header = bytes.indexOf(Buffer.from('PK\x03\x04', 'latin1'), header + 1);
    assert.ok(header >= 0, 'the first blob has a local header');
    bytes[header + 30 + name.length + 5]! ^= 0x10;
    await writeFile(path, bytes);
    await assert.rejects(synthesize(path, 'flipped'), (e: unknown) => e instanceof ChecksumError && e.member === 'overlay-blob-1');
  });

  it('refuses an item beyond the image it is applied to', async () => {
    const stream = new ItemStreamWriter(1 << 16);
    stream.add({ kind: 'disk', index: 9, encoding: 'zero' });
    const { bytes, claims } = stream.finish();
    const applier = new ItemApplier({ base: { disk: chunkArray(16), memory: chunkArray(0) }, output: { disk: chunkArray(8), memory: chunkArray(0) }, delta: await DeltaDecoder.create() });
    const blob = { name: 'b', codec: 'none' as const, size: bytes.length, uncompressedSize: bytes.length, sha256: '', ...claims };
    await assert.rejects(applyBlob(streamOf(bytes), blob, applier), (e: unknown) => e instanceof ItemRangeError && e.space === 'disk' && e.index === 9 && e.limit === 8);
  });
});
