// Early start under the real libvirtd and QEMU, the disk served by a real FUSE mount: the VM
// resumes once its memory is in and answers on its console while its disk blobs still arrive.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { listOurMounts } from '../../../native/fuse/index.js';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import type { BaseVm } from '../../../sdk/base/index.js';
import { earlyStartVm, LazyDiskFailedError } from '../../../sdk/early-start/index.js';
import type { BlobMeta } from '../../../sdk/overlay/package/index.js';
import type { Progress } from '../../../sdk/progress/index.js';
import { destroyVm, listVms } from '../../../sdk/vms/index.js';
import { counterBaseLab, type CounterBaseLab } from '../../fixtures/bootable-disk/index.js';
import { PacedStream } from '../../fixtures/byte-streams.js';
import { SerialLog } from '../../fixtures/guest/index.js';

/** 6 MB of random bytes on the data disk, past the page cache (the disk's blob is big, the memory's small), then a counter that lives only in RAM. */
const CUSTOMIZE = 'dd if=/dev/urandom of=/mnt/rand.bin bs=1M count=6 oflag=direct 2>/dev/null; sync; (m=100; while :; do m=$((m+1)); echo "CUSTOM $m"; sleep 1; done) &';
/** Seconds the disk blobs take on the wire in the paced tests. */
const DISK_SECONDS = 25;

describe('earlyStartVm: the VM runs while its disk arrives (real FUSE, libvirtd, QEMU)', () => {
  let lab: CounterBaseLab;
  let libvirt: LibvirtConnection;
  let base: BaseVm;
  let cloudletDir: string;
  let overlay: Buffer;
  let diskBlobs: BlobMeta[];
  let rate: number;

  before(async () => {
    lab = await counterBaseLab('early-');
    ({ libvirt, cloudletDir, base } = lab);
    const custom = await lab.customize(CUSTOMIZE, /^CUSTOM 103/, 'early-custom');
    overlay = custom.bytes;
    const lastMemory = custom.meta.blobs.reduce((last, blob, index) => (blob.memory.length > 0 ? index : last), -1);
    diskBlobs = custom.meta.blobs.slice(lastMemory + 1);
    rate = diskBlobs.reduce((sum, blob) => sum + blob.size, 0) / DISK_SECONDS;
  });

  after(() => lab.release());

  /** No VM, no domain, no mount of ours, nothing in the early-start or staging directories. */
  async function assertNothingLeft(name: string): Promise<void> {
    assert.equal(await libvirt.find(name), undefined, 'no domain');
    assert.deepEqual(await listVms({ cloudletDir }), [], 'no VM');
    assert.deepEqual((await listOurMounts()).filter((mount) => mount.dir.startsWith(cloudletDir)), [], 'no mount');
    assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).includes(cloudletDir), 'no mount line');
    assert.deepEqual(await readdir(join(cloudletDir, 'early-start')), [], 'no lazy disk directory');
    assert.deepEqual(await readdir(join(cloudletDir, 'tmp')), [], 'no staging directory');
  }

  it('resumes over a slow transfer and answers on its console before the transfer ends; destroy unmounts', async (t) => {
    assert.ok(diskBlobs.length >= 1 && diskBlobs.every((blob) => blob.memory.length === 0), 'the disk blobs come after the memory blobs');
    const stream = new PacedStream(overlay, rate);
    const events: Progress[] = [];
    const early = await earlyStartVm(base.id, stream, { cloudletDir, name: 'early1', declaredBytes: overlay.length, onProgress: (event) => events.push(event) });
    const resumedAt = performance.now();
    try {
      assert.equal(stream.lastByteAt, undefined, 'resumed before the last byte');
      const [, custom] = await new SerialLog(early.vm.files.console).waitFor(/^CUSTOM (\d+)$/, 60_000);
      const answeredAt = performance.now();
      assert.ok(Number(custom) > 103, `the RAM counter went on (CUSTOM ${custom})`);
      assert.equal(stream.lastByteAt, undefined, `the guest answered at ${stream.sent} of ${overlay.length} bytes`);
      // The file was written past the page cache: reading it goes through QEMU to the lazy disk and waits for the disk blob.
      const typing = createConnection(early.vm.files.socket);
      typing.write('md5sum /mnt/rand.bin\n');
      const [, sum] = await new SerialLog(early.vm.files.console).waitFor(/^([0-9a-f]{32})  \/mnt\/rand\.bin$/, 120_000);
      const summedAt = performance.now();
      typing.destroy();
      assert.ok(stream.lastByteAt !== undefined && summedAt > stream.lastByteAt, 'the guest read its new file only once the disk blob was in');
      const stats = await early.complete;
      const since = (at: number) => Math.round(at - stream.firstByteAt!);
      t.diagnostic(`${overlay.length} bytes, ${diskBlobs.length} disk blobs at ${Math.round(rate)} B/s: resumed ${since(resumedAt)} ms, console ${since(answeredAt)} ms, transfer ${since(stream.lastByteAt!)} ms, md5sum ${sum} ${since(summedAt)} ms; ${JSON.stringify(stats)}`);
      assert.ok(stats.blockedReads >= 1, 'the read of the guest waited');
      assert.equal(stats.diskBlobs, diskBlobs.length);
      assert.equal(stats.jumps, 0, 'a stream comes in its own order');
      const end = events.find((event) => event.kind === 'phase-end' && event.phase === 'early-disk');
      assert.match(end?.kind === 'phase-end' ? end.detail : '', /overlay complete: \d+ disk blobs after the VM resumed, \d+ reads waited for a blob, 0 on-demand fetches jumped the queue/);
    } finally {
      await destroyVm('early1', { cloudletDir });
    }
    await early.ended;
    await assertNothingLeft('early1');
  });

  it('stops the VM when a disk blob fails its SHA-256 after the resume, and says why', async () => {
    const bad = Buffer.from(overlay);
    bad[bad.length - 2000]! ^= 0x40;
    const early = await earlyStartVm(base.id, new PacedStream(bad, rate * 4), { cloudletDir, name: 'early-bad', declaredBytes: bad.length });
    await assert.rejects(early.complete, (error: unknown) => {
      assert.ok(error instanceof LazyDiskFailedError, String(error));
      assert.equal(error.blob, diskBlobs.at(-1)!.name);
      assert.match(error.message, /SHA-256|sha256/i);
      return true;
    });
    await early.ended;
    await assertNothingLeft('early-bad');
  });

  it('removes everything when interrupted (Ctrl-C) while the disk still arrives', async () => {
    const controller = new AbortController();
    const stream = new PacedStream(overlay, rate);
    const early = await earlyStartVm(base.id, stream, { cloudletDir, name: 'early-int', declaredBytes: overlay.length, signal: controller.signal });
    assert.equal(stream.lastByteAt, undefined);
    controller.abort(new Error('interrupted (test)'));
    await early.ended;
    await assert.rejects(early.complete);
    await assertNothingLeft('early-int');
  });
});
