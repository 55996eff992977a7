import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DemandQueue } from '../../../sdk/early-start/index.js';

describe('DemandQueue', () => {
  it('hands blobs out in meta order when nothing is demanded', () => {
    const queue = new DemandQueue(['a', 'b', 'c']);
    assert.deepEqual([queue.next(), queue.next(), queue.next(), queue.next()], ['a', 'b', 'c', undefined]);
    assert.equal(queue.jumps, 0);
  });

  it('moves a demanded blob to the front and counts the jump', () => {
    const queue = new DemandQueue(['a', 'b', 'c', 'd']);
    assert.equal(queue.demand('c'), true);
    assert.equal(queue.demand('d'), true);
    assert.deepEqual([queue.next(), queue.next(), queue.next(), queue.next()], ['d', 'c', 'a', 'b']);
    assert.equal(queue.jumps, 2);
  });

  it('does not count a demand for the head, a blob handed out, or an unknown name', () => {
    const queue = new DemandQueue(['a', 'b']);
    assert.equal(queue.demand('a'), false);
    queue.next();
    assert.equal(queue.demand('a'), false);
    assert.equal(queue.demand('zz'), false);
    assert.equal(queue.demand('b'), false);
    assert.equal(queue.jumps, 0);
    assert.equal(queue.size, 1);
  });

  it('takes a blob back first when it must wait for an earlier one', () => {
    const queue = new DemandQueue(['a', 'b', 'c']);
    queue.demand('c');
    const taken = queue.next()!;
    queue.putBack(taken);
    queue.demand('a');
    assert.deepEqual([queue.next(), queue.next(), queue.next()], ['a', 'c', 'b']);
  });
});
