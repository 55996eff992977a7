import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compressItemBlobs, CodecPool, decompressBlob, type ItemBlob } from '../../../../sdk/overlay/compress/index.js';
import { decodeItems, type OverlayItem } from '../../../../sdk/overlay/items/index.js';
import { guestPage, streamOf } from '../chunks.js';

const limits = { memory: 1000, disk: 1000, baseMemory: 1000, baseDisk: 1000 };

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const value of source) out.push(value);
  return out;
}

function items(count: number, pulled: { count: number } = { count: 0 }): AsyncGenerator<OverlayItem> {
  return (async function* () {
    for (let i = 0; i < count; i++) {
      pulled.count++;
      yield i % 4 === 3 ? { kind: 'memory', index: i, encoding: 'zero' } : { kind: 'disk', index: i, encoding: 'raw', data: guestPage(i) };
    }
  })();
}

async function itemsOf(blob: ItemBlob): Promise<OverlayItem[]> {
  const out: OverlayItem[] = [];
  const bytes = decompressBlob(streamOf(blob.data), { name: 'b', ...blob });
  for await (const { offset: _offset, ...item } of decodeItems(bytes, { limits, claims: blob })) out.push(item);
  return out;
}

describe('item blobs', () => {
  it('cuts items into blobs of bounded size, in order, each claiming exactly its chunks', async () => {
    const blobs: ItemBlob[] = [];
    for await (const blob of compressItemBlobs(items(100), { maxBlobBytes: 64 * 1024, codec: { codec: 'xz', level: 0 } })) blobs.push(blob);
    assert.equal(blobs.length, 5);
    for (const blob of blobs) assert.ok(blob.uncompressedSize <= 64 * 1024 && blob.data.length < blob.uncompressedSize);
    const all = (await Promise.all(blobs.map(itemsOf))).flat();
    assert.deepEqual(all, await collect(items(100)));
    // 64 KiB holds 15 raw items and the zero items between them: disk 0–2, 4–6, … 16–18, memory 3, 7, … 19.
    assert.deepEqual(blobs[0]!.disk, [0, 4, 8, 12, 16].map((first) => ({ first, count: 3 })));
    assert.deepEqual(blobs[0]!.memory, [3, 7, 11, 15, 19].map((first) => ({ first, count: 1 })));
    assert.equal(blobs.reduce((n, b) => n + b.items, 0), 100);
  });

  it('with splitAtDisk, ends a blob wherever memory pages give way to disk chunks', async () => {
    const pagesThenChunks = async function* (): AsyncGenerator<OverlayItem> {
      for (let i = 0; i < 5; i++) yield { kind: 'memory', index: i, encoding: 'raw', data: guestPage(i) };
      for (let i = 0; i < 5; i++) yield { kind: 'disk', index: i, encoding: 'raw', data: guestPage(100 + i) };
      yield { kind: 'memory', index: 9, encoding: 'zero' };
      yield { kind: 'disk', index: 9, encoding: 'zero' };
    };
    const blobs = await collect(compressItemBlobs(pagesThenChunks(), { codec: { codec: 'none' }, splitAtDisk: true }));
    assert.deepEqual(blobs.map((blob) => [blob.memory, blob.disk]), [
      [[{ first: 0, count: 5 }], []],
      [[{ first: 9, count: 1 }], [{ first: 0, count: 5 }]],
      [[], [{ first: 9, count: 1 }]],
    ]);
  });

  it('keeps only a few blobs in flight: the item source is read as blobs are taken', async () => {
    const pulled = { count: 0 };
    const pool = new CodecPool(1);
    try {
      const blobs = compressItemBlobs(items(400, pulled), { maxBlobBytes: 16 * 4112 + 32, codec: { codec: 'xz', level: 0 }, pool });
      await blobs.next();
      // 1 worker: at most 2 blobs in flight plus the one being filled, ~16 items each.
      assert.ok(pulled.count < 80, `${pulled.count} items read for the first blob`);
      await blobs.return(undefined);
    } finally {
      await pool.close();
    }
  });

  it('stores blobs as they are with codec none, and makes no blob of no items', async () => {
    const blobs = await collect(compressItemBlobs(items(3), { codec: { codec: 'none' } }));
    assert.equal(blobs.length, 1);
    assert.equal(blobs[0]!.data.length, blobs[0]!.uncompressedSize);
    assert.deepEqual(await collect(compressItemBlobs(items(0))), []);
  });
});
