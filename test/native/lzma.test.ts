import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { xzCompress, xzDecompress, XzError } from '../../native/lzma.js';
import { collect, cut } from '../fixtures/byte-streams.js';

const data = Buffer.concat([randomBytes(100_000), Buffer.alloc(200_000, 'text ')]);

describe('xz edge', () => {
  it('round-trips at presets 0 and 1 (0 is reachable, unlike lzma-native easy presets), whatever the input cut', async () => {
    const fast = await xzCompress(data, { preset: 0 });
    const smaller = await xzCompress(data, { preset: 1, synchronous: true });
    assert.ok(fast.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])));
    for (const xz of [fast, smaller]) assert.ok((await collect(xzDecompress(cut(xz, 1000), { memlimit: 16 << 20 }))).equals(data));
  });

  it('refuses a bad preset', async () => {
    await assert.rejects(xzCompress(data, { preset: 10 }), XzError);
  });

  it('refuses corrupt and truncated streams with XzError', async () => {
    const xz = await xzCompress(data, { preset: 0 });
    const flipped = Buffer.from(xz);
    flipped[xz.length >> 1] ^= 0x40;
    await assert.rejects(collect(xzDecompress(cut(flipped, 4096), { memlimit: 16 << 20 })), (e: unknown) => e instanceof XzError && e.operation === 'decompress');
    await assert.rejects(collect(xzDecompress(cut(xz.subarray(0, xz.length - 8), 4096), { memlimit: 16 << 20 })), XzError);
  });

  it('refuses a stream whose dictionary needs more than the memory limit', async () => {
    const xz = await xzCompress(Buffer.alloc(1000), { preset: 6 });
    await assert.rejects(collect(xzDecompress(cut(xz, 4096), { memlimit: 1 << 20 })), XzError);
  });

  it('passes errors of its input through unchanged', async () => {
    const broken = new Error('source failed');
    const source = (async function* () {
      yield (await xzCompress(data, { preset: 0 })).subarray(0, 100);
      throw broken;
    })();
    await assert.rejects(collect(xzDecompress(source, { memlimit: 16 << 20 })), (e: unknown) => e === broken);
  });
});
