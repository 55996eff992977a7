import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { describe, it } from 'node:test';
import { SelfDigestTable } from '../../../../sdk/overlay/dedup/index.js';

const digest = (n: number) => hash('sha256', `item ${n}`, 'buffer');

describe('self digest table', () => {
  it('returns the earliest item added for a digest, with its kind, across growth', () => {
    const table = new SelfDigestTable();
    const before = table.bytes;
    for (let n = 0; n < 5000; n++) table.add(digest(n), { kind: n % 2 === 0 ? 'memory' : 'disk', index: 2 ** 40 - 1 - n });
    table.add(digest(7), { kind: 'memory', index: 1 });
    assert.equal(table.entries, 5000);
    assert.ok(table.bytes > before);
    assert.deepEqual(table.find(digest(0)), { kind: 'memory', index: 2 ** 40 - 1 });
    assert.deepEqual(table.find(digest(7)), { kind: 'disk', index: 2 ** 40 - 8 });
    assert.deepEqual(table.find(digest(4999)), { kind: 'disk', index: 2 ** 40 - 5000 });
    assert.equal(table.find(digest(5000)), undefined);
  });
});
