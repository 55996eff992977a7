import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, symlink } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { LibvirtConnection, LibvirtUnavailableError, PortInUseError } from '../../../native/libvirt/index.js';
import { readHashListHeader } from '../../../sdk/image/disk/index.js';
import {
  BaseNameError,
  createBase,
  listBases,
  NotEnoughSpaceError,
  NotRawDiskError,
  type BaseVm,
  type CreateBaseOptions,
  type Progress,
} from '../../../sdk/base/index.js';
import { deleteBase } from '../../../sdk/vms/index.js';
import { buildBootableDisk, prepareLibvirtHost, type BootableDisk, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { SerialLog, virsh } from '../../fixtures/guest/index.js';
import { createVmOverlay } from '../../../sdk/customize/index.js';
import { otherUserCanRead } from '../../fixtures/other-user.js';

const sha256 = async (path: string) => createHash('sha256').update(await readFile(path)).digest('hex');

describe('createBase on the bootable test disk, under the real libvirtd', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let disk: BootableDisk;
  let sourceHash: string;
  let base: BaseVm;
  let options: CreateBaseOptions;
  const events: Progress[] = [];

  before(async () => {
    host = await prepareLibvirtHost('base-');
    libvirt = await LibvirtConnection.open();
    disk = await buildBootableDisk();
    sourceHash = await sha256(disk.path);
    // COUNTER 2: the counter exists in guest RAM before the save, so a restore can show it going on.
    options = { cloudletDir: join(host.scratch, 'cloudlet'), memoryMiB: 256, ready: { kind: 'serial', pattern: /^COUNTER 2 /, timeoutMs: 60_000 } };
    base = await createBase(disk.path, { ...options, onProgress: (event) => events.push(event) });
  });

  after(async () => {
    await libvirt.remove(base.domain).catch(() => undefined);
    await libvirt.close();
    await host.release();
  });

  const tmpEntries = () => readdir(join(options.cloudletDir!, 'tmp'));

  it('registers the base under the SHA-256 of its disk as saved, leaving the given disk untouched', async (t) => {
    assert.equal(base.id, await sha256(base.files.disk));
    assert.notEqual(base.id, sourceHash, 'the guest wrote its data partition while booting');
    assert.equal(await sha256(disk.path), sourceHash, 'the source disk was copied, never booted');
    assert.deepEqual((await listBases(options)).map((b) => b.id), [base.id]);
    assert.deepEqual(await tmpEntries(), []);
    assert.match(base.hardware.machine, /^pc-i440fx-\d/);
    assert.deepEqual(events.filter((e) => e.kind === 'acceleration').length, 1, 'KVM or TCG is said once');
    const steps = events.flatMap((e) => (e.kind === 'phase-end' ? [e] : []));
    assert.deepEqual(steps.map((s) => s.phase), ['check', 'copy', 'boot', 'ready', 'save', 'hash-disk', 'hash-memory', 'register']);
    t.diagnostic(steps.map((s) => `${s.phase} ${s.elapsedMs} ms`).join(', '));
  });

  it('keeps every file of the base to its owner: another user reads neither the disk nor the guest RAM', async () => {
    for (const [key, path] of Object.entries(base.files)) {
      assert.equal((await stat(path)).mode & 0o777, 0o600, key);
      assert.equal(await otherUserCanRead(path), false, `another user cannot read ${key}`);
    }
  });

  it('refuses a name with control characters, from --name or from the disk file name, before any work', async () => {
    await assert.rejects(createBase(disk.path, { ...options, name: 'tiny\u001b]0;owned\u0007' }), (error: unknown) => error instanceof BaseNameError && error.origin === 'option');
    const oddName = join(host.scratch, 'odd\u001b[2Jname.raw');
    await symlink(disk.path, oddName);
    await assert.rejects(createBase(oddName, options), (error: unknown) => {
      assert.ok(error instanceof BaseNameError);
      assert.equal(error.origin, 'disk file name');
      assert.ok(!error.message.includes('\u001b'), 'the message shows the name escaped');
      return true;
    });
    assert.deepEqual(await tmpEntries(), []);
  });

  it('writes hash lists of the disk and of the flat memory file', async () => {
    const diskList = await readHashListHeader(base.files.diskHashes);
    assert.equal(diskList.chunkCount, disk.size / 4096);
    const memoryList = await readHashListHeader(base.files.memoryHashes);
    assert.equal(memoryList.chunkCount, base.memory.pages);
    assert.equal((await stat(base.files.memoryPages)).size, base.memory.pages * 4096);
    assert.deepEqual(base.memory.layout[0], { block: 'pc.ram', length: 256 << 20, firstPage: 0 });
  });

  it('leaves no domain defined: the transient domain went away with the save', async () => {
    const booted = events.find((e) => e.kind === 'console');
    assert.ok(booted?.kind === 'console');
    const names = await libvirt.names();
    assert.ok(!names.includes(booted.domain) && !names.includes(base.domain.name));
  });

  it('has a memory image that plain `virsh restore` resumes: the counter goes on and the guest did not reboot', async () => {
    const serial = new SerialLog(base.files.console);
    const saved = (await serial.counters()).at(-1)!;
    await virsh('restore', base.files.memory);
    const [, next, uptime] = await serial.waitFor(new RegExp(`^COUNTER (${saved.counter + 1}) UPTIME ([\\d.]+)$`), 20_000);
    assert.equal(Number(next), saved.counter + 1);
    assert.ok(Number(uptime) > saved.uptime, 'guest uptime continued');
    assert.equal((await serial.lines()).filter((line) => line === 'GUEST-BOOTED').length, 1);
    assert.equal(base.hardware.freePageReporting, true, 'a new base has the free-page-reporting balloon, and resumed with it');
    assert.match(await virsh('dumpxml', base.domain.name).then((result) => result.stdout), /<memballoon model='virtio' freePageReporting='on'>/);
    await virsh('destroy', base.domain.name);
  });

  it('refuses a disk that is not raw before any VM starts', async () => {
    const qcow2 = join(host.scratch, 'disk.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', qcow2, '64M']);
    await assert.rejects(createBase(qcow2, options), (error: unknown) => error instanceof NotRawDiskError && error.format === 'qcow2' && error.path === qcow2);
    assert.deepEqual((await listBases(options)).map((b) => b.id), [base.id]);
  });

  it('refuses to start when the cloudlet directory lacks space for the copy and the memory image', async () => {
    const small = join(host.scratch, 'small');
    await mkdir(small);
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=16m,mode=0711', 'cloudlet-test', small]);
    try {
      await assert.rejects(createBase(disk.path, { ...options, cloudletDir: small }), (error: unknown) => {
        assert.ok(error instanceof NotEnoughSpaceError);
        assert.ok(error.availableBytes <= 16 << 20 && error.neededBytes > disk.size);
        return true;
      });
    } finally {
      await execa('umount', [small]);
    }
  });

  it('says libvirtd is not running, and leaves nothing behind', async () => {
    const libvirtUri = `qemu:///system?socket=${join(host.scratch, 'no-libvirtd.sock')}`;
    await assert.rejects(createBase(disk.path, { ...options, libvirtUri }), (error: unknown) => error instanceof LibvirtUnavailableError && error.reason === 'not-running');
    assert.deepEqual(await tmpEntries(), []);
  });

  it('says which host port is taken when a forward cannot listen, and leaves no domain behind', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const hostPort = (taken.address() as AddressInfo).port;
    const seen: Progress[] = [];
    const forwards = [{ protocol: 'tcp', hostPort, guestPort: 22 }] as const;
    await assert.rejects(createBase(disk.path, { ...options, forwards: [...forwards], onProgress: (event) => seen.push(event) }), (error: unknown) => error instanceof PortInUseError && error.hostPort === hostPort);
    taken.close();
    const booted = seen.find((e) => e.kind === 'console');
    assert.ok(booted?.kind === 'console');
    assert.equal(await libvirt.find(booted.domain), undefined);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('cleans up when interrupted while the VM boots: no domain, no files, nothing registered', async () => {
    const controller = new AbortController();
    const seen: Progress[] = [];
    const onProgress = (event: Progress) => {
      seen.push(event);
      if (event.kind === 'phase-start' && event.phase === 'ready') setTimeout(() => controller.abort(), 500);
    };
    await assert.rejects(createBase(disk.path, { ...options, onProgress, signal: controller.signal }), { name: 'AbortError' });
    const booted = seen.find((e) => e.kind === 'console');
    assert.ok(booted?.kind === 'console');
    assert.equal(await libvirt.find(booted.domain), undefined);
    assert.ok(seen.some((e) => e.kind === 'cleaned' && e.domain === booted.domain));
    assert.deepEqual(await tmpEntries(), []);
    assert.deepEqual((await listBases(options)).map((b) => b.id), [base.id]);
  });

  it('deletes the base: files and record', async () => {
    assert.equal((await deleteBase(base.id.slice(0, 8), options)).id, base.id);
    assert.deepEqual(await listBases(options), []);
    await assert.rejects(stat(base.dir), { code: 'ENOENT' });
  });
});

describe('createBase with and without the free-page-reporting balloon: what the guest freed costs the overlay', () => {
  let host: LibvirtHost;
  let disk: BootableDisk;

  before(async () => {
    host = await prepareLibvirtHost('balloon-');
    disk = await buildBootableDisk();
  });

  after(() => host.release());

  /** A base, and an overlay of it whose customization filled 64 MiB of RAM with random bytes and freed it again. */
  async function baseAndOverlay(freePageReporting: boolean): Promise<{ baseDataPages: string; size: number; memoryItems: number }> {
    const cloudletDir = join(host.scratch, freePageReporting ? 'with' : 'without');
    let baseDataPages = '';
    const base = await createBase(disk.path, {
      cloudletDir, memoryMiB: 256, freePageReporting, ready: { kind: 'serial', pattern: /^COUNTER 2 /, timeoutMs: 120_000 },
      onProgress: (event) => {
        if (event.kind === 'phase-end' && event.phase === 'hash-memory') baseDataPages = event.detail;
      },
    });
    assert.equal(base.hardware.freePageReporting, freePageReporting ? true : undefined);
    // The guest reports free pages 2 s after they pile up; the sleep lets it before the save.
    const line = 'mkdir -p /scratch && mount -t tmpfs -o size=70m s /scratch && dd if=/dev/urandom of=/scratch/x bs=1M count=64 2>/dev/null && rm /scratch/x && umount /scratch && sleep 6';
    const made = await createVmOverlay(base.id, { lines: [line], until: { kind: 'serial', pattern: /^AGENT-DONE 0/, timeoutMs: 120_000 } }, { cloudletDir, output: join(cloudletDir, 'freed.overlay.zip') });
    const memoryItems = Object.entries(made.stats.memory).filter(([kind]) => kind !== 'unchanged').reduce((sum, [, count]) => sum + count, 0);
    return { baseDataPages, size: made.size, memoryItems };
  }

  it('makes the overlay smaller by the pages the guest freed', async (t) => {
    const without = await baseAndOverlay(false);
    const withBalloon = await baseAndOverlay(true);
    t.diagnostic(`without balloon: base ${without.baseDataPages}, overlay ${without.size} bytes, ${without.memoryItems} memory items; with: base ${withBalloon.baseDataPages}, overlay ${withBalloon.size} bytes, ${withBalloon.memoryItems} memory items`);
    assert.ok(without.size - withBalloon.size > 32 * 2 ** 20, `at least half of the 64 MiB freed is left out (${without.size} - ${withBalloon.size})`);
  });
});
