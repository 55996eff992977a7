import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { Compressor } from 'zstd-napi';
import { zstdCompress, zstdDecompress, ZstdError } from '../../native/zstd.js';
import { collect, cut } from '../fixtures/byte-streams.js';

const text = Array.from({ length: 40_000 }, (_, i) => `line ${i % 977} of a guest file ${(i * 7919) % 1013}\n`).join('');
const data = Buffer.concat([randomBytes(100_000), Buffer.from(text)]);
const limits = { windowLogMax: 27 };

describe('zstd edge', () => {
  it('round-trips whatever the input cut, and honours the level', async () => {
    const fast = zstdCompress(data, 1);
    const small = zstdCompress(data, 19);
    assert.ok(small.length < fast.length, `level 19 (${small.length}) must beat level 1 (${fast.length})`);
    for (const frame of [fast, small]) assert.ok((await collect(zstdDecompress(cut(frame, 1000), limits))).equals(data));
  });

  it('refuses levels outside 1–19', () => {
    assert.throws(() => zstdCompress(data, 0), ZstdError);
    assert.throws(() => zstdCompress(data, 22), ZstdError);
  });

  it('refuses corrupt and truncated frames with ZstdError', async () => {
    const frame = zstdCompress(data, 3);
    const flipped = Buffer.from(frame);
    flipped[frame.length >> 1] ^= 0x40;
    await assert.rejects(collect(zstdDecompress(cut(flipped, 4096), limits)), ZstdError);
    await assert.rejects(collect(zstdDecompress(cut(frame.subarray(0, frame.length - 8), 4096), limits)), ZstdError);
  });

  it('refuses a frame whose window exceeds the limit before allocating it', async () => {
    const compressor = new Compressor();
    compressor.setParameters({ compressionLevel: 3, windowLog: 27 });
    const wide = compressor.compress(Buffer.alloc(80 << 20));
    await assert.rejects(collect(zstdDecompress(cut(wide, 4096), { windowLogMax: 24 })), ZstdError);
  });

  it('passes errors of its input through unchanged', async () => {
    const broken = new Error('source failed');
    const source = (async function* () {
      yield zstdCompress(data, 1).subarray(0, 100);
      throw broken;
    })();
    await assert.rejects(collect(zstdDecompress(source, limits)), (e: unknown) => e === broken);
  });
});
