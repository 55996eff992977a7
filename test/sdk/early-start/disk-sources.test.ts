import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DiskSources } from '../../../sdk/early-start/index.js';
import type { BlobMeta } from '../../../sdk/overlay/package/index.js';

const blob = (name: string, disk: BlobMeta['disk']): BlobMeta => ({ name, codec: 'none', size: 0, uncompressedSize: 0, sha256: '0'.repeat(64), disk, memory: [] });

describe('DiskSources', () => {
  const sources = new DiskSources({
    diskSize: 100 * 4096,
    diskZeroed: [{ first: 40, count: 10 }],
    blobs: [blob('m', []), blob('d1', [{ first: 10, count: 5 }, { first: 60, count: 1 }]), blob('d2', [{ first: 15, count: 5 }])],
  });

  it('names the base for unclaimed chunks, up to the next claim or the end', () => {
    assert.deepEqual(sources.at(0), { source: { kind: 'base' }, end: 10 });
    assert.deepEqual(sources.at(20), { source: { kind: 'base' }, end: 40 });
    assert.deepEqual(sources.at(61), { source: { kind: 'base' }, end: 100 });
  });

  it('names the claiming blob, and zeros for zeroed runs', () => {
    assert.deepEqual(sources.at(12), { source: { kind: 'blob', blob: 1 }, end: 15 });
    assert.deepEqual(sources.at(15), { source: { kind: 'blob', blob: 2 }, end: 20 });
    assert.deepEqual(sources.at(60), { source: { kind: 'blob', blob: 1 }, end: 61 });
    assert.deepEqual(sources.at(49), { source: { kind: 'zero' }, end: 50 });
  });
});
