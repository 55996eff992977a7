import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { createOverlay } from '../../../sdk/overlay/index.js';
import { synthesize } from '../../../sdk/synthesis/index.js';
import { qcow2Overlay, rawImage } from '../image/disk/images.js';
import { assertSamePages } from './compare.js';
import { HEADER, writeMemory } from '../overlay/create/generated-vm.js';

const GiB = 1 << 30;

/** Runs `work` and returns how far RSS rose above where it started, sampled every 20 ms. */
async function rssGrowth(work: () => Promise<void>): Promise<number> {
  const start = process.memoryUsage.rss();
  let peak = start;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return Math.max(peak, process.memoryUsage.rss()) - start;
}

describe('an 8 GiB sparse disk with a few MiB changed', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synth-sparse-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('goes through createOverlay and synthesize with flat RSS, and comes back identical and sparse', async (t) => {
    const base = { disk: join(dir, 'base.raw'), memory: join(dir, 'base.mem') };
    await rawImage(base.disk, 8 * GiB, 'write -P 0x21 0 2M', 'write -P 0x22 3G 1M', 'write -P 0x23 8190M 2M');
    await writeMemory(base.memory, 1);
    const customized = { disk: join(dir, 'custom.qcow2'), diskFormat: 'qcow2' as const, memory: join(dir, 'custom.mem') };
    await qcow2Overlay(customized.disk, base.disk, [], 'write -P 0x31 1M 2M', 'write -P 0x32 5G 3M', 'write -z 3G 512k', 'write -P 0x33 8191M 1M');
    await writeMemory(customized.memory, 1, (page, data) => (page % 5 === 0 ? Buffer.alloc(4096, page % 251) : data));

    const output = join(dir, 'sparse.overlay');
    const out = join(dir, 'out');
    const growth = await rssGrowth(async () => {
      const created = await createOverlay({ base, customized, output, options: { codec: { codec: 'xz', level: 0 } } });
      await mkdir(out);
      // The standalone raw output: the path that walks the whole base (a layer never reads it).
      await synthesize({ base: { ...base, id: created.meta.baseVmId }, overlay: output, outputDir: out, options: { output: 'raw' } });
    });
    t.diagnostic(`RSS peak growth ${(growth / 2 ** 20).toFixed(0)} MiB; overlay ${(await stat(output)).size} B`);
    assert.ok(growth < 192 << 20, `RSS grew by ${growth} bytes on an 8 GiB disk`);

    const disk = join(out, 'disk.raw');
    const { blocks } = await stat(disk);
    assert.ok(blocks * 512 < 64 << 20, `the synthesized disk stays sparse (${blocks * 512} bytes allocated)`);
    const compared = await execa('qemu-img', ['compare', '-q', '-f', 'raw', '-F', 'qcow2', disk, customized.disk], { reject: false });
    assert.equal(compared.exitCode, 0, 'qemu-img compare finds the disks identical');
  });
});

describe('a VM with 1 GiB of RAM', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'synth-ram-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('goes through createOverlay and synthesize with RSS far below the RAM size, and comes back identical', async (t) => {
    const header = { ...HEADER, blocks: [{ id: 'pc.ram', length: GiB }, { id: 'pc.bios', length: 256 << 10 }] };
    // Like an idle guest: a quarter of the pages hold data, the rest were never touched.
    const idle = (page: number, data: Buffer | null) => (page % 4 === 0 ? data : null);
    const base = { disk: join(dir, 'base.raw'), memory: join(dir, 'base.mem') };
    await rawImage(base.disk, 64 << 20, 'write -P 0x21 0 1M');
    await writeMemory(base.memory, 1, idle, header);
    const customized = { disk: join(dir, 'custom.qcow2'), diskFormat: 'qcow2' as const, memory: join(dir, 'custom.mem') };
    await qcow2Overlay(customized.disk, base.disk, [], 'write -P 0x31 1M 1M');
    // 16 MiB of it rewritten, spread over the whole gigabyte.
    await writeMemory(customized.memory, 1, (page, data) => (page % 64 === 1 ? Buffer.alloc(4096, page % 251) : idle(page, data)), header);

    const output = join(dir, 'ram.overlay');
    const out = join(dir, 'out');
    await mkdir(out);
    let baseVmId = '';
    const growth = await rssGrowth(async () => {
      const created = await createOverlay({ base, customized, output, options: { codec: { codec: 'xz', level: 0 } } });
      baseVmId = created.meta.baseVmId;
      await synthesize({ base: { ...base, id: baseVmId }, overlay: output, outputDir: out });
    });
    t.diagnostic(`RSS peak growth ${(growth / 2 ** 20).toFixed(0)} MiB for 1 GiB of RAM; overlay ${(await stat(output)).size} B`);
    assert.ok(growth < 192 << 20, `RSS grew by ${growth} bytes on 1 GiB of RAM`);
    await assertSamePages(join(out, 'memory.mem'), customized.memory);
  });
});
