import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockListError, changedPages, PageIndex, PageOutOfRangeError, type StreamPage } from '../../../../sdk/image/memory/index.js';
import { BLOCKS, PAGE, readerOf, sampleStream } from './hand-made-stream.js';

function page(block: string, offset: number, fill: number | 'zero', dataOffset = 1000): StreamPage {
  const common = { block, offset, recordOffset: 0, continued: false };
  return fill === 'zero'
    ? { ...common, zero: true, dataOffset: -1 }
    : { ...common, zero: false, data: Buffer.alloc(PAGE, fill), dataOffset };
}

describe('PageIndex', () => {
  it('keeps the later copy of a page sent twice, and counts the rewrite', async () => {
    const index = await PageIndex.fromStream(await readerOf(sampleStream()));
    assert.deepEqual(index.stats, { records: 5, rewrites: 1 });
    const bytes = sampleStream();
    const latest = index.get('pc.ram', 0)!;
    assert.equal(bytes[latest.dataOffset], 3, 'the copy from the END section');
    assert.deepEqual(index.counts(), { data: 3, zero: 1, absent: 16 });
    assert.deepEqual([...index.entries()].map((e) => `${e.block}@${e.offset / PAGE}`), ['pc.ram@0', 'pc.ram@1', 'pc.ram@2', 'pc.bios@3']);
  });

  it('gives a zero page the digest of 4096 zero bytes, so content compares equal whatever the record kind', () => {
    const index = new PageIndex(BLOCKS);
    index.record(page('pc.ram', 0, 'zero'));
    index.record(page('pc.ram', PAGE, 0));
    assert.ok(index.get('pc.ram', 0)!.digest.equals(index.get('pc.ram', PAGE)!.digest));
    assert.equal(index.get('pc.ram', 0)!.dataOffset, -1);
    assert.equal(index.get('pc.ram', 2 * PAGE), undefined);
    assert.equal(index.get('pc.ram', 1), undefined);
  });

  it('refuses to record a page outside its block list', () => {
    assert.throws(() => new PageIndex(BLOCKS).record(page('pc.bios', 4 * PAGE, 1)), PageOutOfRangeError);
    assert.throws(() => new PageIndex(BLOCKS).record(page('nvram', 0, 1)), PageOutOfRangeError);
  });
});

describe('changedPages', () => {
  it('lists pages whose content changed, appeared or disappeared, in block order', () => {
    const base = new PageIndex(BLOCKS);
    const next = new PageIndex(BLOCKS);
    for (const index of [base, next]) index.record(page('pc.ram', 0, 1));
    base.record(page('pc.ram', PAGE, 1));
    next.record(page('pc.ram', PAGE, 2));
    next.record(page('pc.bios', 0, 'zero'));
    base.record(page('pc.bios', PAGE, 5));
    const changes = [...changedPages(base, next)].map((c) => `${c.block}@${c.offset / PAGE}:${c.base ? 'b' : '-'}${c.next ? 'n' : '-'}`);
    assert.deepEqual(changes, ['pc.ram@1:bn', 'pc.bios@0:-n', 'pc.bios@1:b-']);
  });

  it('refuses to compare snapshots with different RAM blocks', () => {
    const other = new PageIndex([{ id: 'pc.ram', length: 32 * PAGE }]);
    assert.throws(() => [...changedPages(new PageIndex(BLOCKS), other)], BlockListError);
  });
});
