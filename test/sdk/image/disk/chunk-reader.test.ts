import assert from 'node:assert/strict';
import { stat, truncate } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { diskChanges, type DiskChangesSource } from '../../../../sdk/image/disk/chunk-reader.js';
import { ShortReadError } from '../../../../sdk/image/disk/errors.js';
import { qcow2Overlay, qemuIo, rawImage, run, scratch } from './images.js';

const MiB = 1 << 20;
const GiB = 1024 * MiB;
let s: Awaited<ReturnType<typeof scratch>>;
let base: string;

/** Scattered writes: 16 runs of 256 KiB, 500 MiB + 12 KiB apart, plus one 96 MiB run. */
const writes = [
  ...Array.from({ length: 16 }, (_, i) => ({ offset: i * (500 * MiB + 12288) + 4096, length: 256 * 1024 })),
  { offset: 7 * GiB, length: 96 * MiB },
];
const expectedChunks = writes.reduce((n, w) => n + w.length / 4096, 0);
const commands = writes.map((w) => `write -P 0xab ${w.offset} ${w.length}`);

/** Enumerates every change, keeping none, and reports how far RSS rose above where it started. */
async function enumerate(source: DiskChangesSource): Promise<{ modified: number; zeroed: number; rssGrowth: number }> {
  const start = process.memoryUsage().rss;
  let peak = start;
  let modified = 0;
  let zeroed = 0;
  for await (const change of diskChanges(source)) {
    if (change.kind === 'modified') modified++;
    else zeroed += change.count;
    if (modified % 256 === 0) peak = Math.max(peak, process.memoryUsage().rss);
  }
  return { modified, zeroed, rssGrowth: Math.max(peak, process.memoryUsage().rss) - start };
}

describe('disk changes of large sparse images', () => {
  before(async () => {
    s = await scratch('chunk-reader-');
    // 8 GiB sparse base with a few MB of content scattered over it.
    base = await rawImage(s.path('base.raw'), 8 * GiB, ...Array.from({ length: 8 }, (_, i) => `write -P 0x11 ${i * GiB + 123 * 4096} 512k`));
  });
  after(() => s.remove());

  it('streams a qcow2 overlay of an 8 GiB base with memory that stays flat', async () => {
    const image = await qcow2Overlay(s.path('custom.qcow2'), base, [], ...commands);
    const result = await enumerate({ format: 'qcow2', image, base });
    assert.equal(result.modified, expectedChunks);
    assert.equal(result.zeroed, 0);
    assert.ok(result.rssGrowth < 64 * MiB, `RSS grew ${(result.rssGrowth / MiB).toFixed(1)} MiB`);
  });

  it('streams a raw copy of an 8 GiB base with memory that stays flat', async () => {
    const image = s.path('custom.raw');
    await run('cp', '--sparse=always', base, image);
    await qemuIo(image, 'raw', ...commands);
    await run('fallocate', '-p', '-o', String(GiB + 123 * 4096), '-l', String(64 * 1024), image);
    const result = await enumerate({ format: 'raw', image, base });
    assert.equal(result.modified, expectedChunks);
    assert.equal(result.zeroed, 16);
    assert.ok(result.rssGrowth < 64 * MiB, `RSS grew ${(result.rssGrowth / MiB).toFixed(1)} MiB`);
  });

  it('hands out private copies and closes its files when the consumer stops early', async () => {
    const image = await qcow2Overlay(s.path('early.qcow2'), base, [], 'write -P 0x01 0 8192');
    const kept = [];
    for await (const change of diskChanges({ format: 'qcow2', image, base })) {
      kept.push(change);
      if (kept.length === 2) break;
    }
    assert.ok(kept.every((c) => c.kind === 'modified' && c.data.length === 4096 && c.data.buffer.byteLength === 4096));
  });

  it('refuses a qcow2 file that ends before a cluster its map points to', async () => {
    const image = await qcow2Overlay(s.path('cut.qcow2'), base, [], 'write -P 0xcd 4G 1M');
    await truncate(image, (await stat(image)).size - 512 * 1024);
    await assert.rejects(enumerate({ format: 'qcow2', image, base }), (e: unknown) =>
      e instanceof ShortReadError && e.path === image && e.actual < e.expected);
  });
});
