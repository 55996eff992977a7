import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOverlay } from '../../../sdk/overlay/index.js';
import { synthesize } from '../../../sdk/synthesis/index.js';
import { launchRestoredGuest, snapshotPair, type GuestVm, type SnapshotPair } from '../../fixtures/guest/index.js';
import { qcow2Overlay, rawImage } from '../image/disk/images.js';
import { assertDirHolds, assertSameDisk, assertSamePages } from './compare.js';

describe('createOverlay and synthesize on real QEMU snapshots of the test guest', () => {
  let dir: string;
  let pair: SnapshotPair;
  const started: GuestVm[] = [];

  before(async () => {
    pair = await snapshotPair();
    dir = await mkdtemp(join(tmpdir(), 'synth-real-'));
  });
  after(async () => {
    for (const vm of started) await vm.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('rebuilds snapshot 2 from snapshot 1 plus the overlay, and QEMU resumes it where the guest was', async (t) => {
    const base = { disk: join(dir, 'base.raw'), memory: pair.first.path, memoryCache: join(dir, 'cache') };
    await rawImage(base.disk, 16 << 20, 'write -P 0x5a 0 4M', 'write -P 0x17 8M 1M');
    const customized = { disk: join(dir, 'custom.qcow2'), diskFormat: 'qcow2' as const, memory: pair.second.path };
    await qcow2Overlay(customized.disk, base.disk, [], 'write -P 0xc3 1M 2M', 'write -P 0x5a 12M 64k', 'write -z 8M 256k', 'write -P 0x99 15M 4k');
    const output = join(dir, 'real.overlay');

    const createStart = performance.now();
    const created = await createOverlay({ base, customized, output, options: { codec: { codec: 'xz', level: 1 } } });
    const createMs = performance.now() - createStart;
    const out = join(dir, 'out');
    await mkdir(out);
    const synthStart = performance.now();
    const result = await synthesize({ base, overlay: output, outputDir: out });
    const synthMs = performance.now() - synthStart;
    t.diagnostic(`memory ${(await stat(pair.second.path)).size} B, overlay ${created.size} B in ${created.meta.blobs.length} blobs; create ${createMs.toFixed(0)} ms, synthesize ${synthMs.toFixed(0)} ms`);
    t.diagnostic(`memory items ${JSON.stringify(created.stats.memory)}; disk items ${JSON.stringify(created.stats.disk)}`);

    await assertDirHolds(out, ['disk.qcow2', 'memory.mem']);
    await assertSameDisk(result.disk, customized.disk, 'qcow2', dir);
    await assertSamePages(result.memory, pair.second.path);

    const vm = await launchRestoredGuest({ workDir: dir, name: 'synthesized', snapshot: result.memory, memoryMiB: pair.memoryMiB });
    started.push(vm);
    await vm.waitForSerial(/^COUNTER \d+ /);
    const first = (await vm.counters())[0]!;
    assert.ok(first.counter > pair.second.counter && first.counter <= pair.second.counter + 2, `counter ${first.counter} after ${pair.second.counter}`);
    assert.ok(first.uptime > pair.second.uptime, `uptime ${first.uptime} after ${pair.second.uptime}: the guest did not reboot`);
  });
});
