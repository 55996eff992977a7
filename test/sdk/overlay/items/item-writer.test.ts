import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidItemError, ItemStreamWriter, MAX_STREAM_ITEMS, MIN_STREAM_CAPACITY, type OverlayItem } from '../../../../sdk/overlay/items/index.js';

const raw = (index: number): OverlayItem => ({ kind: 'disk', index, encoding: 'raw', data: Buffer.alloc(4096, index) });
const zero = (index: number): OverlayItem => ({ kind: 'memory', index, encoding: 'zero' });

describe('item stream writer', () => {
  it('lays out the header, the items and the end record as the format table says', () => {
    const writer = new ItemStreamWriter(MIN_STREAM_CAPACITY);
    writer.add({ kind: 'memory', index: 5, encoding: 'base-disk', chunk: 0x0102 });
    const { bytes, items } = writer.finish();
    assert.equal(items, 1);
    assert.equal(bytes.toString('hex'), [
      '434c4f564954454d', '0100', '0000', '00100000', // magic, version 1, flags, chunk size 4096
      '01', '03', '0800', '00000000', '0500000000000000', '0201000000000000', // memory, base-disk, 8, reserved, index 5, chunk 0x102
      '00', '00', '0000', '00000000', '0100000000000000', // end record: 1 item
    ].join(''));
  });

  it('reports the chunks its items hold as canonical runs per kind', () => {
    const writer = new ItemStreamWriter(1 << 20);
    for (const index of [3, 4, 5, 9, 2]) writer.add(raw(index));
    for (const index of [0, 1]) writer.add(zero(index));
    assert.deepEqual(writer.finish().claims, { disk: [{ first: 2, count: 4 }, { first: 9, count: 1 }], memory: [{ first: 0, count: 2 }] });
  });

  it('tells when an item no longer fits, by bytes', () => {
    const writer = new ItemStreamWriter(MIN_STREAM_CAPACITY + 16);
    assert.ok(writer.fits(raw(0)));
    writer.add(raw(0));
    assert.ok(writer.fits(zero(0)));
    assert.ok(!writer.fits(raw(1)));
    assert.throws(() => writer.add(raw(1)), InvalidItemError);
    writer.add(zero(0));
    assert.equal(writer.finish().bytes.length, MIN_STREAM_CAPACITY + 16);
  });

  it('tells when an item no longer fits, by count', () => {
    const writer = new ItemStreamWriter(32 + 16 * (MAX_STREAM_ITEMS + 1));
    for (let i = 0; i < MAX_STREAM_ITEMS; i++) writer.add(zero(i));
    assert.ok(!writer.fits(zero(MAX_STREAM_ITEMS)));
  });

  it('refuses items its reader would refuse', () => {
    const refuses = (item: OverlayItem) => assert.throws(() => new ItemStreamWriter(1 << 16).add(item), InvalidItemError);
    refuses({ kind: 'disk', index: -1, encoding: 'zero' });
    refuses({ kind: 'disk', index: 2 ** 40, encoding: 'zero' });
    refuses({ kind: 'disk', index: 1.5, encoding: 'zero' });
    refuses({ kind: 'disk', index: 0, encoding: 'raw', data: Buffer.alloc(4095) });
    refuses({ kind: 'disk', index: 0, encoding: 'xor', mask: Buffer.alloc(4097) });
    refuses({ kind: 'disk', index: 0, encoding: 'xdelta3', patch: Buffer.alloc(4096) });
    refuses({ kind: 'disk', index: 0, encoding: 'xdelta3', patch: Buffer.alloc(0) });
    refuses({ kind: 'disk', index: 0, encoding: 'base-disk', chunk: -1 });
    refuses({ kind: 'disk', index: 0, encoding: 'self', target: { kind: 'disk', index: 0 } });
    const writer = new ItemStreamWriter(1 << 16);
    writer.add(zero(1));
    assert.throws(() => writer.add(zero(1)), (e: unknown) => e instanceof InvalidItemError && e.address.index === 1);
  });

  it('refuses a capacity below one raw item', () => {
    assert.throws(() => new ItemStreamWriter(MIN_STREAM_CAPACITY - 1), RangeError);
  });
});
