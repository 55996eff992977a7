// feedDisk over a real package file and a real FUSE mount: blobs come in demand order (a waiting
// read's blob first, after the blobs its self references need), and a blob whose SHA-256 fails
// fails the reads waiting for it with EIO.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { xzCompress } from '../../../native/lzma.js';
import { DemandQueue, LazyDiskFailedError, mountLazyDisk } from '../../../sdk/early-start/index.js';
import { feedDisk } from '../../../sdk/early-start/disk-feeder.js';
import { ItemApplier } from '../../../sdk/overlay/apply/index.js';
import { ChunkFile, NO_CHUNKS } from '../../../sdk/overlay/chunk-io/index.js';
import { CodecPool } from '../../../sdk/overlay/compress/index.js';
import { DeltaDecoder } from '../../../sdk/overlay/delta/index.js';
import { ItemStreamWriter, type OverlayItem } from '../../../sdk/overlay/items/index.js';
import { ChecksumError, createOverlayPackage, openOverlayPackage } from '../../../sdk/overlay/package/index.js';
import { chunkArray } from '../overlay/chunks.js';

const CHUNK = 4096;
const DISK = 64;
const BASE_VM_ID = 'cd'.repeat(32);
const raw = (index: number, data: Buffer): OverlayItem => ({ kind: 'disk', index, encoding: 'raw', data });

describe('feedDisk (real package file, real FUSE)', () => {
  let dir: string;
  const data = Array.from({ length: 12 }, () => randomBytes(CHUNK));
  /** The writer names them overlay-blob-1…3. 1: chunks 8–11; 2: 20–23 and 24 a self reference to chunk 8 (in 1); 3: 40–43. */
  const blobs = [
    { name: 'overlay-blob-1', items: [0, 1, 2, 3].map((i) => raw(8 + i, data[i]!)) },
    { name: 'overlay-blob-2', items: [...[0, 1, 2, 3].map((i) => raw(20 + i, data[4 + i]!)), { kind: 'disk', index: 24, encoding: 'self', target: { kind: 'disk', index: 8 } } as OverlayItem] },
    { name: 'overlay-blob-3', items: [0, 1, 2, 3].map((i) => raw(40 + i, data[8 + i]!)) },
  ];
  const compressed = new Map<string, Buffer>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'disk-feeder-'));
    await writeFile(join(dir, 'base.raw'), randomBytes(DISK * CHUNK));
    const writer = await createOverlayPackage(join(dir, 'overlay.zip'), { baseVmId: BASE_VM_ID, diskSize: DISK * CHUNK, memorySize: CHUNK, createdBy: 'test' });
    for (const blob of blobs) {
      const stream = new ItemStreamWriter(1 << 20);
      for (const item of blob.items) stream.add(item);
      const { bytes, claims } = stream.finish();
      const xz = await xzCompress(bytes, { preset: 0 });
      compressed.set(blob.name, xz);
      await writer.addBlob(xz, { codec: 'xz', uncompressedSize: bytes.length, ...claims });
    }
    await writer.finish();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function feeding(path: string) {
    const pkg = await openOverlayPackage(path, { expectedBaseVmId: BASE_VM_ID });
    const names = pkg.meta.blobs.map((blob) => blob.name);
    const queue = new DemandQueue(names);
    const lazy = await mountLazyDisk({ parent: dir, base: join(dir, 'base.raw'), meta: pkg.meta, qemuGid: undefined, onDemand: (name) => queue.demand(name) });
    const baseDisk = await ChunkFile.open(join(dir, 'base.raw'));
    const applier = new ItemApplier({ base: { memory: NO_CHUNKS, disk: baseDisk }, output: { memory: chunkArray(1), disk: lazy.scratch }, delta: await DeltaDecoder.create() });
    const pool = new CodecPool(1);
    const applied: string[] = [];
    const read = async (chunk: number) => {
      const file = await open(lazy.image, 'r');
      try {
        const into = Buffer.alloc(CHUNK);
        await file.read(into, 0, CHUNK, chunk * CHUNK);
        return into;
      } finally {
        await file.close();
      }
    };
    const feed = () => feedDisk({ source: pkg, applier, lazy, blobs: pkg.meta.blobs, queue, pool, onBlob: (blob) => applied.push(blob.name) });
    const close = async () => {
      await lazy.close();
      await Promise.all([pkg.close(), baseDisk.close(), pool.close()]);
    };
    return { names, queue, lazy, read, feed, applied, close };
  }

  it('applies the blob a waiting read wants first, after the blob its self reference needs, and the read gets its bytes', async () => {
    const f = await feeding(join(dir, 'overlay.zip'));
    try {
      // Both reads wait before any blob is fetched: blob 2 is demanded (it needs blob 1), then blob 3.
      const second = f.read(24);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const third = f.read(41);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await f.feed();
      assert.deepEqual(f.applied, ['overlay-blob-3', 'overlay-blob-1', 'overlay-blob-2'], 'the last demand first, then blob 2 behind blob 1, which its self reference needs');
      assert.deepEqual(await second, data[0], 'chunk 24 is chunk 8, from b1');
      assert.deepEqual(await third, data[9]);
      assert.ok(f.queue.jumps >= 2, `${f.queue.jumps} jumps`);
      assert.equal(f.lazy.disk.blockedReads, 2);
    } finally {
      await f.close();
    }
  });

  it('fails the reads waiting for a blob whose SHA-256 fails with EIO, and names the blob', async () => {
    const bytes = await readFile(join(dir, 'overlay.zip'));
    const at = bytes.indexOf(compressed.get('overlay-blob-3')!);
    assert.ok(at > 0);
    bytes[at + 20]! ^= 0x01;
    await writeFile(join(dir, 'flipped.zip'), bytes);
    const f = await feeding(join(dir, 'flipped.zip'));
    try {
      const waiting = f.read(42);
      waiting.catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
      await assert.rejects(f.feed(), (error: unknown) => error instanceof LazyDiskFailedError && error.blob === 'overlay-blob-3' && error.cause instanceof ChecksumError);
      await assert.rejects(waiting, { code: 'EIO' });
      assert.ok(!f.applied.includes('overlay-blob-3'));
    } finally {
      await f.close();
    }
  });
});
