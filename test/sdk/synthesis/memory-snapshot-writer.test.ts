import assert from 'node:assert/strict';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MigrationStreamReader, PageLayout, parseDeviceState, readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { saveImageHeader } from '../../../sdk/synthesis/index.js';
import { ChunkFile } from '../../../sdk/overlay/chunk-io/index.js';
import { MemorySnapshotWriter } from '../../../sdk/synthesis/memory-snapshot-writer.js';
import { deviceTail } from '../image/memory/hand-made-stream.js';
import { HEADER } from '../overlay/create/generated-vm.js';
import { guestPage } from '../overlay/chunks.js';

const PAGE = 4096;
const layout = new PageLayout(HEADER.blocks);
const state = { header: HEADER, deviceState: parseDeviceState(deviceTail(), 0), libvirt: null };

/** A sparse flat page file of the layout with `content(n)` at the pages it returns data for. */
async function flatFile(path: string, content: (page: number) => Buffer | null): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await file.truncate(layout.bytes);
    for (let page = 0; page < layout.pages; page++) {
      const data = content(page);
      if (data) await file.write(data, 0, PAGE, page * PAGE);
    }
  } finally {
    await file.close();
  }
}

describe('MemorySnapshotWriter', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'memory-writer-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes every page once from two flat files, base pages first, and the stream reads back as the merged RAM', async () => {
    // Base: data on every third page; the overlay rewrites every fifth page (some to zero).
    const base = (page: number) => (page % 3 === 0 ? guestPage(page) : null);
    const claimed = (page: number) => page % 5 === 0;
    const overlay = (page: number) => (claimed(page) && page % 2 === 0 ? guestPage(100_000 + page) : null);
    const paths = { base: join(dir, 'base.pages'), overlay: join(dir, 'overlay.pages'), out: join(dir, 'out.mem') };
    await flatFile(paths.base, base);
    await flatFile(paths.overlay, overlay);

    const [basePages, overlayPages] = await Promise.all([ChunkFile.open(paths.base), ChunkFile.open(paths.overlay)]);
    const writer = await MemorySnapshotWriter.create(paths.out, { layout, state, prefix: null });
    await writer.copyPages(basePages, (page) => !claimed(page));
    await writer.copyPages(overlayPages, claimed);
    await writer.finish();
    await Promise.all([basePages.close(), overlayPages.close()]);

    const stream = await MigrationStreamReader.openFile(paths.out);
    const seen = new Map<number, Buffer | null>();
    for await (const page of stream.pages()) {
      const n = layout.pageOf(page.block, page.offset);
      assert.ok(!seen.has(n), `page ${n} written once`);
      seen.set(n, page.zero ? null : Buffer.from(page.data));
    }
    assert.ok(Buffer.from((await stream.deviceState()).bytes).equals(deviceTail()), 'the device state follows the pages');
    stream.close();
    assert.equal(seen.size, layout.pages);
    for (let n = 0; n < layout.pages; n++) {
      const expected = claimed(n) ? overlay(n) : base(n);
      assert.deepEqual(seen.get(n), expected, `page ${n}`);
    }
  });

  it('puts the prefix (a libvirt header) before the stream', async () => {
    const empty = join(dir, 'empty.pages');
    await flatFile(empty, () => null);
    const out = join(dir, 'prefixed.save');
    const prefix = saveImageHeader({ domainXml: '<domain/>', wasRunning: true });
    const pages = await ChunkFile.open(empty);
    const writer = await MemorySnapshotWriter.create(out, { layout, state, prefix });
    await writer.copyPages(pages, () => true);
    await writer.finish();
    await pages.close();
    assert.equal((await readLibvirtSaveHeader(out)).wasRunning, true);
    assert.ok((await readFile(out)).subarray(prefix.length, prefix.length + 4).equals(Buffer.from('QEVM')));
  });
});
