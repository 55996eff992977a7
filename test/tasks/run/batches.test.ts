import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../tasks/errors.js';
import { batchFailed, batchSize, inBatches } from '../../../tasks/run/batches.js';

describe('rolling batches', () => {
  it('sizes batches by count or percentage, at least one host, all hosts by default', () => {
    assert.equal(batchSize(undefined, 7), 7);
    assert.equal(batchSize(2, 7), 2);
    assert.equal(batchSize('30%', 10), 3);
    assert.equal(batchSize('30%', 7), 2, 'rounded down');
    assert.equal(batchSize('10%', 3), 1, 'never zero');
    assert.equal(batchSize('100%', 4), 4);
    for (const wrong of [0, 1.5, '0%', '150%', 'x%'] as const) assert.throws(() => batchSize(wrong as never, 4), UsageError, String(wrong));
  });

  it('cuts hosts into batches in order, the last one smaller', () => {
    assert.deepEqual(inBatches(['a', 'b', 'c', 'd', 'e'], 2), [['a', 'b'], ['c', 'd'], ['e']]);
    assert.deepEqual(inBatches(['a'], 5), [['a']]);
  });

  it('stops only when more than max_fail_percentage of a batch failed', () => {
    assert.equal(batchFailed(1, 1, 0), true);
    assert.equal(batchFailed(0, 3, 0), false);
    assert.equal(batchFailed(1, 4, 25), false, 'exactly the percentage is still fine');
    assert.equal(batchFailed(2, 4, 25), true);
    assert.equal(batchFailed(3, 3, undefined), false, 'without max_fail_percentage every batch runs');
  });
});
