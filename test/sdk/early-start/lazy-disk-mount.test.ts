// Real FUSE mounts (fuse-native, /dev/fuse): reads from this process go through the kernel, so
// they use async fs only (a sync read of our own mount would deadlock the FUSE callbacks).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listOurMounts, sweepStaleMounts } from '../../../native/fuse/index.js';
import { IMAGE_MODE, LazyDiskFailedError, mountLazyDisk, type MountedLazyDisk } from '../../../sdk/early-start/index.js';
import type { BlobMeta, OverlayMeta } from '../../../sdk/overlay/package/index.js';

const CHUNK = 4096;
const blob = (name: string, disk: BlobMeta['disk']): BlobMeta => ({ name, codec: 'none', size: 0, uncompressedSize: 0, sha256: '0'.repeat(64), disk, memory: [] });
const meta: Pick<OverlayMeta, 'diskSize' | 'diskZeroed' | 'blobs'> = {
  diskSize: 64 * CHUNK,
  diskZeroed: [{ first: 30, count: 2 }],
  blobs: [blob('state', []), blob('b1', [{ first: 8, count: 4 }]), blob('b2', [{ first: 20, count: 4 }])],
};

/** Reads `chunks` chunks from chunk `first` of the image, through the mount. */
async function readChunks(path: string, first: number, chunks: number): Promise<Buffer> {
  const file = await open(path, 'r');
  try {
    const into = Buffer.alloc(chunks * CHUNK);
    const { bytesRead } = await file.read(into, 0, into.length, first * CHUNK);
    return into.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

async function mountedAt(dir: string): Promise<boolean> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').some((line) => line.includes(dir));
}

const settled = <T>(promise: Promise<T>) => {
  const state = { done: false };
  promise.then(() => (state.done = true), () => (state.done = true));
  return state;
};

describe('mountLazyDisk (real FUSE)', () => {
  let dir: string;
  let base: Buffer;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'lazy-disk-'));
    base = randomBytes(meta.diskSize);
    await writeFile(join(dir, 'base.raw'), base, { mode: 0o600 });
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const mount = (demands: string[] = []): Promise<MountedLazyDisk> =>
    mountLazyDisk({ parent: dir, base: join(dir, 'base.raw'), meta, qemuGid: undefined, onDemand: (name) => demands.push(name) });

  it('serves base and zeroed chunks at once, read-only, at the disk size and mode', async () => {
    const lazy = await mount();
    try {
      const info = await stat(lazy.image);
      assert.equal(info.size, meta.diskSize);
      assert.equal(info.mode & 0o777, IMAGE_MODE);
      assert.deepEqual(await readChunks(lazy.image, 0, 8), base.subarray(0, 8 * CHUNK));
      assert.deepEqual(await readChunks(lazy.image, 29, 4), Buffer.concat([base.subarray(29 * CHUNK, 30 * CHUNK), Buffer.alloc(2 * CHUNK), base.subarray(32 * CHUNK, 33 * CHUNK)]));
      assert.equal((await readChunks(lazy.image, 63, 4)).length, CHUNK, 'a read past the end is short');
      await assert.rejects(open(lazy.image, 'r+'), { code: 'EROFS' });
    } finally {
      await lazy.close();
    }
    assert.equal(await mountedAt(lazy.dir), false);
  });

  it('blocks a read of a chunk whose blob has not arrived, asks for that blob, then completes with its bytes', async () => {
    const demands: string[] = [];
    const lazy = await mount(demands);
    try {
      const recovered = Array.from({ length: 4 }, () => randomBytes(CHUNK));
      const reading = readChunks(lazy.image, 19, 3);
      const state = settled(reading);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(state.done, false, 'the read waits for b2');
      assert.deepEqual(demands, ['b2']);
      for (const [i, chunk] of recovered.entries()) await lazy.scratch.write(20 + i, chunk);
      lazy.scratch.flush();
      lazy.disk.arrived('b2');
      assert.deepEqual(await reading, Buffer.concat([base.subarray(19 * CHUNK, 20 * CHUNK), recovered[0]!, recovered[1]!]));
      assert.equal(lazy.disk.blockedReads, 1);
    } finally {
      await lazy.close();
    }
  });

  it('fails a waiting read with EIO when its blob fails, and never hands out the bytes already in the scratch file', async () => {
    const lazy = await mount();
    try {
      const planted = Buffer.alloc(CHUNK, 0xee);
      await lazy.scratch.write(9, planted);
      lazy.scratch.flush();
      const reading = readChunks(lazy.image, 9, 1);
      await new Promise((resolve) => setTimeout(resolve, 200));
      lazy.disk.fail(new LazyDiskFailedError('b1', 'its SHA-256 is not the one in the overlay meta'));
      await assert.rejects(reading, { code: 'EIO' });
      await assert.rejects(readChunks(lazy.image, 0, 1), { code: 'EIO' }, 'a stopped disk answers nothing');
    } finally {
      await lazy.close();
    }
  });

  it('leaves no mount behind when closed while a read waits', async () => {
    const lazy = await mount();
    const reading = readChunks(lazy.image, 8, 1);
    reading.catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await lazy.close();
    await assert.rejects(reading);
    assert.equal(await mountedAt(lazy.dir), false);
    await assert.rejects(stat(lazy.dir), { code: 'ENOENT' });
  });

  it('lets its server exit when the mount was taken down from outside (cloudlet destroy in another process)', async () => {
    const script = `
      const { mountLazyDisk } = await import(${JSON.stringify(new URL('../../../sdk/early-start/index.js', import.meta.url).href)});
      const { forceUnmount, listOurMounts } = await import(${JSON.stringify(new URL('../../../native/fuse/index.js', import.meta.url).href)});
      const lazy = await mountLazyDisk({ parent: ${JSON.stringify(dir)}, base: ${JSON.stringify(join(dir, 'base.raw'))}, meta: ${JSON.stringify(meta)}, qemuGid: undefined });
      for (const mount of await listOurMounts()) if (mount.pid === process.pid) await forceUnmount(mount);
      await lazy.close();
      process.stdout.write(lazy.dir + '\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (data: Buffer) => (out += data.toString()));
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        resolve(null);
      }, 15_000);
      child.once('exit', (exit) => {
        clearTimeout(timer);
        resolve(exit);
      });
    });
    assert.equal(code, 0, 'the server exited by itself');
    assert.equal(await mountedAt(out.trim()), false);
  });

  it("sweeps a killed server's mount and directory (kill -9)", async () => {
    const script = `
      const { mountLazyDisk } = await import(${JSON.stringify(new URL('../../../sdk/early-start/index.js', import.meta.url).href)});
      const lazy = await mountLazyDisk({ parent: ${JSON.stringify(dir)}, base: ${JSON.stringify(join(dir, 'base.raw'))}, meta: ${JSON.stringify(meta)}, qemuGid: undefined });
      process.stdout.write(lazy.dir + '\\n');
      setInterval(() => undefined, 1000);`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const killedDir = await new Promise<string>((resolve, reject) => {
      child.stdout.once('data', (data: Buffer) => resolve(data.toString().trim()));
      child.once('exit', (code) => reject(new Error(`the server exited (${code}) before mounting`)));
    });
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(await mountedAt(killedDir), true, 'kill -9 leaves the mount');
    assert.ok((await listOurMounts()).some((m) => m.pid === child.pid));
    const next = await mount();
    await next.close();
    assert.equal(await mountedAt(killedDir), false, 'the next run swept the mount');
    await assert.rejects(stat(killedDir), { code: 'ENOENT' });
    assert.deepEqual(await sweepStaleMounts(), []);
  });
});
