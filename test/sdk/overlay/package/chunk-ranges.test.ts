import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import {
  checkDisjoint,
  countChunks,
  encodeRanges,
  normalizeRanges,
  rangesFromIndexes,
  readRanges,
} from '../../../../sdk/overlay/package/chunk-ranges.js';
import { ChunkOverlapError, ChunkRangeError, MetaFieldError } from '../../../../sdk/overlay/package/errors.js';
import { MsgpackCursor } from '../../../../sdk/overlay/package/msgpack-cursor.js';

const read = (wire: unknown, limit = 1000) => readRanges(new MsgpackCursor(encode(wire)), 'disk', 'blob-1', 'disk', limit);

describe('chunk ranges', () => {
  it('builds canonical runs from indexes in any order, folding repeats', () => {
    assert.deepEqual(rangesFromIndexes([10, 0, 2, 1, 2, 11, 13]), [
      { first: 0, count: 3 }, { first: 10, count: 2 }, { first: 13, count: 1 },
    ]);
    assert.deepEqual(rangesFromIndexes([]), []);
  });

  it('merges runs that touch or overlap', () => {
    assert.deepEqual(normalizeRanges([{ first: 5, count: 5 }, { first: 0, count: 5 }, { first: 7, count: 10 }]), [{ first: 0, count: 17 }]);
  });

  it('refuses runs that are not runs', () => {
    assert.throws(() => normalizeRanges([{ first: -1, count: 1 }]), RangeError);
    assert.throws(() => normalizeRanges([{ first: 0, count: 0 }]), RangeError);
    assert.throws(() => normalizeRanges([{ first: 0.5, count: 1 }]), RangeError);
  });

  it('encodes gaps and counts, and reads them back', () => {
    const runs = rangesFromIndexes([0, 1, 2, 10]);
    assert.deepEqual(encodeRanges(runs), [0, 3, 7, 1]);
    assert.deepEqual(read(encodeRanges(runs)), runs);
    assert.equal(countChunks(runs), 4);
  });

  it('takes one byte per small number on the wire', () => {
    const every4th = rangesFromIndexes(Array.from({ length: 1000 }, (_, i) => i * 4));
    assert.equal(encode(encodeRanges(every4th)).length, 3 + 2000);
  });

  it('accepts a run ending exactly at the limit and refuses one a chunk longer', () => {
    assert.deepEqual(read([990, 10]), [{ first: 990, count: 10 }]);
    assert.throws(() => read([990, 11]), (e: unknown) =>
      e instanceof ChunkRangeError && e.owner === 'blob-1' && e.space === 'disk' && e.first === 990 && e.count === 11 && e.limit === 1000);
  });

  it('refuses non-canonical encodings: odd length, empty runs, touching runs', () => {
    assert.throws(() => read([0, 1, 5]), MetaFieldError);
    assert.throws(() => read([0, 0]), MetaFieldError);
    assert.throws(() => read([0, 2, 0, 3]), MetaFieldError);
    assert.throws(() => read([0, -1]), MetaFieldError);
  });

  it('finds a chunk claimed by two owners', () => {
    checkDisjoint('memory', [
      { owner: 'a', ranges: [{ first: 0, count: 10 }] },
      { owner: 'b', ranges: [{ first: 10, count: 10 }] },
    ]);
    assert.throws(() => checkDisjoint('memory', [
      { owner: 'a', ranges: [{ first: 0, count: 100 }] },
      { owner: 'b', ranges: [{ first: 200, count: 1 }, { first: 99, count: 1 }] },
    ]), (e: unknown) => e instanceof ChunkOverlapError && e.space === 'memory' && e.index === 99 && e.first === 'a' && e.second === 'b');
  });
});
