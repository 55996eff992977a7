import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xzCompress, xzDecompress } from '../../../../native/lzma.js';
import { BlobDecodeError, BlobOverrunError, CodecPool, CodecWorkerError } from '../../../../sdk/overlay/compress/index.js';
import { guestPage, streamOf } from '../chunks.js';

async function unxz(bytes: Buffer): Promise<Buffer> {
  const out: Buffer[] = [];
  for await (const piece of xzDecompress(streamOf(bytes), { memlimit: 64 << 20 })) out.push(piece);
  return Buffer.concat(out);
}

describe('codec pool', () => {
  it('decompresses whole blobs on its workers, and hands blob errors back as their own classes', async () => {
    const pool = new CodecPool(2);
    try {
      const data = Buffer.concat(Array.from({ length: 32 }, (_, i) => guestPage(i)));
      const xz = await xzCompress(data, { preset: 0 });
      const blob = { name: 'overlay-blob-1', codec: 'xz' as const, uncompressedSize: data.length };
      const [one, two] = await Promise.all([pool.decompress(xz, blob), pool.decompress(xz, blob)]);
      assert.ok(one.equals(data) && two.equals(data));
      await assert.rejects(pool.decompress(xz, { ...blob, uncompressedSize: 4096 }), (error: unknown) => error instanceof BlobOverrunError && error.blob === 'overlay-blob-1' && error.declared === 4096);
      const flipped = Buffer.from(xz);
      flipped[flipped.length >> 1]! ^= 0xff;
      await assert.rejects(pool.decompress(flipped, blob), (error: unknown) => error instanceof BlobDecodeError && error.codec === 'xz');
      assert.ok((await pool.decompress(xz, blob)).equals(data), 'the worker goes on after a failure');
    } finally {
      await pool.close();
    }
  });

  it('compresses several blobs at once on its workers, each bit-exact, the input left intact', async () => {
    const pool = new CodecPool(2);
    try {
      // Views into one larger buffer, as blobs of an item writer are.
      const backing = Buffer.concat(Array.from({ length: 96 }, (_, i) => guestPage(i)));
      const blobs = [0, 1, 2].map((i) => backing.subarray(i * 32 * 4096, (i + 1) * 32 * 4096));
      const compressed = await Promise.all(blobs.map((blob) => pool.compress(blob, { codec: 'xz', level: 0 })));
      for (const [i, xz] of compressed.entries()) {
        assert.ok(xz.length < blobs[i]!.length);
        assert.ok((await unxz(xz)).equals(blobs[i]!));
      }
      assert.equal(backing.length, 96 * 4096, 'the backing buffer was copied, not transferred');
    } finally {
      await pool.close();
    }
  });

  it('rejects a compression the worker fails, and keeps working', async () => {
    const pool = new CodecPool(1);
    try {
      await assert.rejects(pool.compress(Buffer.alloc(10), { codec: 'xz', level: 42 }), CodecWorkerError);
      assert.ok((await unxz(await pool.compress(Buffer.alloc(10, 1), { codec: 'xz', level: 0 }))).equals(Buffer.alloc(10, 1)));
    } finally {
      await pool.close();
    }
  });

  it('rejects work after close', async () => {
    const pool = new CodecPool(1);
    await pool.close();
    await assert.rejects(pool.compress(Buffer.alloc(10), { codec: 'xz', level: 0 }), CodecWorkerError);
  });
});
