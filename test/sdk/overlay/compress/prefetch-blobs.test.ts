import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { xzCompress } from '../../../../native/lzma.js';
import { BlobOverrunError, BlobSizeLimitError, CodecPool, prefetchBlobs } from '../../../../sdk/overlay/compress/index.js';
import type { BlobMeta } from '../../../../sdk/overlay/package/index.js';
import { guestPage } from '../chunks.js';

/** Blobs of guest pages, xz-compressed, served from memory; records when each read starts. */
async function blobSource(count: number) {
  const contents = Array.from({ length: count }, (_, b) => Buffer.concat(Array.from({ length: 16 }, (_, i) => guestPage(b * 16 + i))));
  const compressed = await Promise.all(contents.map((data) => xzCompress(data, { preset: 0 })));
  const blobs = compressed.map((bytes, i): BlobMeta => ({ name: `overlay-blob-${i + 1}`, codec: 'xz', size: bytes.length, uncompressedSize: contents[i]!.length, sha256: '', memory: [], disk: [] }));
  const started: string[] = [];
  const source = {
    async *readBlob(name: string): AsyncGenerator<Uint8Array> {
      started.push(name);
      yield compressed[blobs.findIndex((blob) => blob.name === name)]!;
    },
  };
  return { contents, blobs, started, source };
}

describe('prefetchBlobs', () => {
  it('hands out every blob decompressed, in order, with at most `ahead` more started', async () => {
    const { contents, blobs, started, source } = await blobSource(6);
    const seen: number[] = [];
    for await (const { blob, data } of prefetchBlobs(source, blobs, { ahead: 2 })) {
      const i = blobs.indexOf(blob);
      seen.push(i);
      assert.ok(data.equals(contents[i]!), `blob ${i} decompressed exactly`);
      assert.ok(started.length <= i + 3, `when blob ${i} is handed out, ${started.length} reads have started`);
    }
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5]);
  });

  it('throws a blob\'s own typed error when its turn comes, after the blobs before it', async () => {
    const { blobs, source } = await blobSource(3);
    const lying = blobs.map((blob, i) => (i === 1 ? { ...blob, uncompressedSize: 1000 } : blob));
    const handed: string[] = [];
    await assert.rejects(
      (async () => {
        for await (const { blob } of prefetchBlobs(source, lying)) handed.push(blob.name);
      })(),
      (error: unknown) => error instanceof BlobOverrunError && error.blob === 'overlay-blob-2' && error.declared === 1000,
    );
    assert.deepEqual(handed, ['overlay-blob-1']);
  });

  it('refuses a blob larger than the limit before reading it', async () => {
    const { blobs, started, source } = await blobSource(1);
    await assert.rejects(
      (async () => {
        for await (const _ of prefetchBlobs(source, blobs, { limit: 1024 })) void _;
      })(),
      (error: unknown) => error instanceof BlobSizeLimitError && error.limit === 1024,
    );
    assert.deepEqual(started, []);
  });

  it('stops early without leaving work behind, and leaves a given pool open', async () => {
    const { contents, blobs, source } = await blobSource(5);
    const pool = new CodecPool(1);
    try {
      for await (const { data } of prefetchBlobs(source, blobs, { pool })) {
        assert.ok(data.equals(contents[0]!));
        break;
      }
      const again = await pool.decompress(await xzCompress(contents[4]!, { preset: 0 }), { name: 'again', codec: 'xz', uncompressedSize: contents[4]!.length });
      assert.ok(again.equals(contents[4]!));
    } finally {
      await pool.close();
    }
  });
});
