import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkSet } from '../../../../sdk/overlay/apply/index.js';

describe('chunk set', () => {
  it('holds indexes across bitmap pages, up to the format limit', () => {
    const set = new ChunkSet();
    for (const index of [0, 7, 8, 65535, 65536, 2 ** 40 - 1]) assert.equal(set.add(index), true);
    assert.equal(set.add(8), false);
    assert.equal(set.size, 6);
    for (const index of [0, 7, 8, 65535, 65536, 2 ** 40 - 1]) assert.ok(set.has(index));
    for (const index of [1, 9, 65534, 65537, 2 ** 40 - 2, 131072]) assert.ok(!set.has(index));
  });
});
