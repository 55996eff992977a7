import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xzCompress } from '../../../../native/lzma.js';
import { BlobDecodeError, BlobOverrunError, BlobSizeLimitError, BlobUnderrunError, decompressBlob } from '../../../../sdk/overlay/compress/index.js';
import { cut } from '../../../fixtures/byte-streams.js';
import { guestPage } from '../chunks.js';

const data = Buffer.concat(Array.from({ length: 64 }, (_, i) => guestPage(i)));

async function total(source: AsyncIterable<Buffer>): Promise<number> {
  let n = 0;
  for await (const piece of source) n += piece.length;
  return n;
}

describe('blob decompression', () => {
  it('streams exactly the declared bytes', async () => {
    const xz = await xzCompress(data, { preset: 0 });
    const out: Buffer[] = [];
    for await (const piece of decompressBlob(cut(xz, 8192), { name: 'b', codec: 'xz', uncompressedSize: data.length })) out.push(piece);
    assert.ok(Buffer.concat(out).equals(data));
  });

  it('refuses a decompression bomb as soon as the output passes the declared size', async () => {
    // 64 MiB of zeros is a ~10 KiB xz stream; its meta claims 1 MiB.
    const bomb = await xzCompress(Buffer.alloc(64 << 20), { preset: 0 });
    assert.ok(bomb.length < 20_000);
    let seen = 0;
    const started = performance.now();
    await assert.rejects(async () => {
      for await (const piece of decompressBlob(cut(bomb, 8192), { name: 'bomb', codec: 'xz', uncompressedSize: 1 << 20 })) seen += piece.length;
    }, (e: unknown) => e instanceof BlobOverrunError && e.blob === 'bomb' && e.declared === 1 << 20);
    assert.ok(seen <= 1 << 20);
    assert.ok(performance.now() - started < 5000, 'stopped early, not after inflating 64 MiB');
  });

  it('refuses output shorter than declared, also for stored blobs', async () => {
    const xz = await xzCompress(data, { preset: 0 });
    await assert.rejects(total(decompressBlob(cut(xz, 8192), { name: 'b', codec: 'xz', uncompressedSize: data.length + 1 })), (e: unknown) => e instanceof BlobUnderrunError && e.actual === data.length);
    await assert.rejects(total(decompressBlob(cut(data, 8192), { name: 'b', codec: 'none', uncompressedSize: data.length - 1 })), BlobOverrunError);
  });

  it('refuses a declared size above the limit before decoding anything', async () => {
    let pulled = false;
    const source = (async function* () {
      pulled = true;
      yield Buffer.alloc(1);
    })();
    await assert.rejects(total(decompressBlob(source, { name: 'b', codec: 'xz', uncompressedSize: 2 << 20, limit: 1 << 20 })), BlobSizeLimitError);
    assert.equal(pulled, false);
  });

  it('refuses corrupt data with BlobDecodeError and passes source errors through', async () => {
    const xz = await xzCompress(data, { preset: 0 });
    const flipped = Buffer.from(xz);
    flipped[100] ^= 1;
    await assert.rejects(total(decompressBlob(cut(flipped, 8192), { name: 'b', codec: 'xz', uncompressedSize: data.length })), (e: unknown) => e instanceof BlobDecodeError && e.codec === 'xz');
    const failure = new Error('checksum');
    const failing = (async function* () {
      yield xz.subarray(0, 64);
      throw failure;
    })();
    await assert.rejects(total(decompressBlob(failing, { name: 'b', codec: 'xz', uncompressedSize: data.length })), (e: unknown) => e === failure);
  });
});
