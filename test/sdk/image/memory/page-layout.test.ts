import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BlockLayoutMismatchError, PageAddressError, PageLayout } from '../../../../sdk/image/memory/index.js';

describe('PageLayout', () => {
  const layout = new PageLayout([
    { id: 'pc.ram', length: 3 * 4096 },
    { id: 'pc.bios', length: 4096 },
    { id: '/rom@etc/acpi/tables', length: 2 * 4096 },
  ]);

  it('numbers pages block after block and maps each page number back to its block and offset', () => {
    assert.equal(layout.pages, 6);
    assert.equal(layout.bytes, 6 * 4096);
    for (let page = 0; page < layout.pages; page++) {
      const { block, offset } = layout.addressOf(page);
      assert.equal(layout.pageOf(block, offset), page);
    }
    assert.deepEqual(layout.addressOf(3), { block: 'pc.bios', offset: 0 });
    assert.deepEqual(layout.addressOf(5), { block: '/rom@etc/acpi/tables', offset: 4096 });
  });

  it('refuses addresses outside the layout: unknown block, unaligned or past the end, page −1 and 6', () => {
    for (const [block, offset] of [['vga.vram', 0], ['pc.ram', 100], ['pc.ram', 3 * 4096], ['pc.bios', -4096]] as const) {
      assert.throws(() => layout.pageOf(block, offset), PageAddressError);
    }
    assert.throws(() => layout.addressOf(-1), PageAddressError);
    assert.throws(() => layout.addressOf(6), PageAddressError);
  });

  it('tells a different block list apart (order, length, name)', () => {
    layout.assertSame(layout.blocks);
    assert.throws(() => layout.assertSame([...layout.blocks].reverse()), BlockLayoutMismatchError);
    assert.throws(() => layout.assertSame([{ id: 'pc.ram', length: 4096 }, ...layout.blocks.slice(1)]), BlockLayoutMismatchError);
  });
});
