import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { LibvirtConnection, LibvirtUnavailableError, PortInUseError } from '../../../native/libvirt/index.js';
import { BaseNotFoundError, createBase, type BaseVm } from '../../../sdk/base/index.js';
import {
  destroyVm,
  launchBase,
  launchVm,
  listVms,
  NoNetworkError,
  VmExistsError,
  VmNotFoundError,
  type LaunchProgress,
} from '../../../sdk/launch/index.js';
import { buildBootableDisk, prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { SerialLog } from '../../fixtures/guest/index.js';

describe('launchBase resumes a base under the real libvirtd as a new VM', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let base: BaseVm;
  let cloudletDir: string;

  before(async () => {
    host = await prepareLibvirtHost('launch-');
    libvirt = await LibvirtConnection.open();
    cloudletDir = join(host.scratch, 'cloudlet');
    const disk = await buildBootableDisk();
    // A NIC, so port forwards can be tried; COUNTER 2 puts the counter in guest RAM before the save.
    base = await createBase(disk.path, { cloudletDir, memoryMiB: 256, network: true, ready: { kind: 'serial', pattern: /^COUNTER 2 /, timeoutMs: 60_000 } });
  });

  after(async () => {
    try {
      for (const vm of await listVms({ cloudletDir })) await libvirt.remove(vm.name).catch(() => undefined);
      await libvirt.close();
    } finally {
      await host.release();
    }
  });

  const tmpEntries = () => readdir(join(cloudletDir, 'tmp'));
  const freePort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  };

  it('resumes the saved guest (the counter goes on, no second boot), lists it, and destroys it without a trace', async (t) => {
    const events: LaunchProgress[] = [];
    const saved = (await new SerialLog(base.files.console).counters()).at(-1)!;
    const hostPort = await freePort();
    const started = Date.now();
    const vm = await launchBase(base.id.slice(0, 8), { cloudletDir, name: 'resumed-vm', forwards: [{ protocol: 'tcp', hostPort, guestPort: 22 }], onProgress: (e) => events.push(e) });
    const launchMs = Date.now() - started;
    assert.equal(vm.name, 'resumed-vm');
    assert.notEqual(vm.uuid, base.domain.uuid);
    assert.equal(vm.origin.base, base.id);

    const serial = new SerialLog(vm.files.console);
    const [, first] = await serial.waitFor(/^COUNTER (\d+) UPTIME/, 20_000);
    assert.equal(Number(first), saved.counter + 1, 'the counter in guest RAM continued');
    const [next] = await serial.counters();
    assert.ok(next!.uptime > saved.uptime, 'guest uptime continued');
    assert.ok(!(await serial.lines()).includes('GUEST-BOOTED'), 'the guest did not boot again');

    const domainXml = await (await libvirt.lookup('resumed-vm')).xml();
    assert.match(domainXml, new RegExp(`<uuid>${vm.uuid}</uuid>`));
    assert.match(domainXml, new RegExp(`source file='${vm.files.disk}'`), 'the disk is the VM own copy');
    assert.equal(events.filter((e) => e.kind === 'acceleration').length, 1, 'KVM or TCG is said once');
    const steps = events.flatMap((e) => (e.kind === 'step-done' ? [e] : []));
    assert.deepEqual(steps.map((s) => s.step), ['check', 'copy', 'register', 'restore', 'forward']);
    t.diagnostic(`launch ${launchMs} ms: ${steps.map((s) => `${s.step} ${s.elapsedMs} ms`).join(', ')}`);

    const listed = await listVms({ cloudletDir });
    assert.deepEqual(listed.map((v) => [v.name, v.state]), [['resumed-vm', 'running']]);
    assert.deepEqual((await readdir(vm.dir)).sort(), ['console.log', 'disk.raw', 'vm.json'], 'the save image is gone once resumed');
    assert.deepEqual(await tmpEntries(), []);

    assert.equal((await destroyVm('resumed-vm', { cloudletDir })).id, vm.id);
    assert.equal(await libvirt.find('resumed-vm'), undefined);
    await assert.rejects(stat(vm.dir), { code: 'ENOENT' });
    assert.deepEqual(await listVms({ cloudletDir }), []);
    assert.ok((await stat(base.files.memory)).isFile(), 'the base keeps its files');
  });

  it('refuses a name that is taken, an unknown base and an unknown VM', async () => {
    const vm = await launchBase(base.id, { cloudletDir, name: 'taken' });
    await assert.rejects(launchBase(base.id, { cloudletDir, name: 'taken' }), (error: unknown) => error instanceof VmExistsError && error.vmName === 'taken');
    assert.deepEqual((await listVms({ cloudletDir })).map((v) => [v.id, v.state]), [[vm.id, 'running']], 'the VM that has the name is left alone');
    await destroyVm(vm.id, { cloudletDir });
    await assert.rejects(launchBase('no-such-base', { cloudletDir }), (error: unknown) => error instanceof BaseNotFoundError && error.ref === 'no-such-base');
    await assert.rejects(destroyVm('no-such-vm', { cloudletDir }), (error: unknown) => error instanceof VmNotFoundError && error.ref === 'no-such-vm');
    assert.deepEqual(await tmpEntries(), []);
  });

  it('refuses forwards into a VM without a NIC before any work', async () => {
    const source = { disk: base.files.disk, memory: base.files.memory, hardware: { ...base.hardware, nicMac: null }, domainType: base.domain.type };
    await assert.rejects(launchVm(source, { cloudletDir, forwards: [{ protocol: 'tcp', hostPort: 2222, guestPort: 22 }] }), NoNetworkError);
  });

  it('says libvirtd is not running, and leaves nothing behind', async () => {
    const libvirtUri = `qemu:///system?socket=${join(host.scratch, 'no-libvirtd.sock')}`;
    await assert.rejects(launchBase(base.id, { cloudletDir, libvirtUri }), (error: unknown) => error instanceof LibvirtUnavailableError && error.reason === 'not-running');
    assert.deepEqual(await tmpEntries(), []);
    assert.deepEqual(await listVms({ cloudletDir, libvirtUri }), []);
  });

  it('says which host port is taken, and leaves no domain, files or record', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const hostPort = (taken.address() as AddressInfo).port;
    try {
      await assert.rejects(launchBase(base.id, { cloudletDir, name: 'port-clash', forwards: [{ protocol: 'tcp', hostPort, guestPort: 22 }] }), (error: unknown) => error instanceof PortInUseError && error.hostPort === hostPort);
    } finally {
      taken.close();
    }
    assert.equal(await libvirt.find('port-clash'), undefined);
    assert.deepEqual(await listVms({ cloudletDir }), []);
    assert.deepEqual(await readdir(join(cloudletDir, 'vms')), []);
    assert.deepEqual(await tmpEntries(), []);
  });

  for (const step of ['copy', 'restore'] as const) {
    it(`cleans up when interrupted at the ${step} step: no domain, no files, nothing registered`, async () => {
      const controller = new AbortController();
      const onProgress = (event: LaunchProgress) => {
        if (event.kind === 'step-start' && event.step === step) controller.abort();
      };
      await assert.rejects(launchBase(base.id, { cloudletDir, name: `interrupted-${step}`, onProgress, signal: controller.signal }), { name: 'AbortError' });
      assert.equal(await libvirt.find(`interrupted-${step}`), undefined);
      assert.deepEqual(await listVms({ cloudletDir }), []);
      assert.deepEqual(await readdir(join(cloudletDir, 'vms')), []);
      assert.deepEqual(await tmpEntries(), []);
    });
  }
});
