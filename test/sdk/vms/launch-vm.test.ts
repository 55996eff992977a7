import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { execa } from 'execa';
import { createServer, type AddressInfo } from 'node:net';
import { createReadStream, createWriteStream } from 'node:fs';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import { LibvirtConnection, LibvirtUnavailableError, PortInUseError } from '../../../native/libvirt/index.js';
import { BaseInUseError, BaseNotFoundError, type BaseVm } from '../../../sdk/base/index.js';
import { libvirtStreamOffset, readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { createOverlay } from '../../../sdk/overlay/index.js';
import {
  attachConsole,
  ConsoleAttachError,
  deleteBase,
  destroyVm,
  launchBase,
  launchVm,
  listVms,
  synthesizeVm,
  NoNetworkError,
  VmExistsError,
  VmNameError,
  VmNotFoundError,
  type Progress,
} from '../../../sdk/vms/index.js';
import { createVmOverlay } from '../../../sdk/customize/index.js';
import { buildDomainXml } from '../../../sdk/vm/index.js';
import { counterBaseLab, type CounterBaseLab, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { SerialLog, virsh } from '../../fixtures/guest/index.js';
import { otherUserCanRead } from '../../fixtures/other-user.js';
import { cloudlet } from '../cli/cli-harness.js';

async function waitUntil(condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('launchBase resumes a base under the real libvirtd as a new VM', () => {
  let lab: CounterBaseLab;
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let base: BaseVm;
  let cloudletDir: string;

  before(async () => {
    // A NIC, so port forwards can be tried; COUNTER 2 puts the counter in guest RAM before the save.
    lab = await counterBaseLab('launch-', { network: true });
    ({ host, libvirt, cloudletDir, base } = lab);
  });

  after(() => lab.release());

  const tmpEntries = () => readdir(join(cloudletDir, 'tmp'));
  const freePort = async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  };

  it('resumes the saved guest (the counter goes on, no second boot), lists it, and destroys it without a trace', async (t) => {
    const events: Progress[] = [];
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
    const steps = events.flatMap((e) => (e.kind === 'phase-end' ? [e] : []));
    assert.deepEqual(steps.map((s) => s.phase), ['check', 'copy', 'register', 'restore', 'forward']);
    t.diagnostic(`launch ${launchMs} ms: ${steps.map((s) => `${s.phase} ${s.elapsedMs} ms`).join(', ')}`);

    const listed = await listVms({ cloudletDir });
    assert.deepEqual(listed.map((v) => [v.name, v.state]), [['resumed-vm', 'running']]);
    assert.deepEqual((await readdir(vm.dir)).sort(), ['console.log', 'console.sock', 'disk.raw', 'vm.json'], 'the save image is gone once resumed');
    for (const file of ['disk.raw', 'console.log', 'vm.json']) {
      assert.equal((await stat(join(vm.dir, file))).mode & 0o777, 0o600, file);
      assert.equal(await otherUserCanRead(join(vm.dir, file)), false, `another user cannot read the running VM's ${file}`);
    }
    assert.deepEqual(await tmpEntries(), []);

    assert.equal((await destroyVm('resumed-vm', { cloudletDir })).id, vm.id);
    assert.equal(await libvirt.find('resumed-vm'), undefined);
    await assert.rejects(stat(vm.dir), { code: 'ENOENT' });
    assert.deepEqual(await listVms({ cloudletDir }), []);
    assert.ok((await stat(base.files.memory)).isFile(), 'the base keeps its files');
  });

  it('attaches to the serial console both ways (SDK and `cloudlet console`); Ctrl-] detaches and the VM runs on', async () => {
    const vm = await launchBase(base.id, { cloudletDir, name: 'console-vm' });
    try {
      // The guest's agent runs each line typed on ttyS0 (echo off): the arithmetic proves a shell ran it.
      const input = new PassThrough();
      let output = '';
      let connected = false;
      const attached = attachConsole('console-vm', {
        input,
        output: { write: (chunk: Buffer) => ((output += chunk.toString()), true) },
        onAttached: () => (connected = true),
      }, { cloudletDir });
      await waitUntil(() => connected);
      input.write('echo CONSOLE-$((6*7))\n');
      await waitUntil(() => /CONSOLE-42\r?\n[\s\S]*AGENT-DONE 0/.test(output));
      input.write(Buffer.from([0x1d]));
      assert.equal((await attached).end, 'escape');
      assert.equal((await (await libvirt.lookup('console-vm')).status()).state, 'running', 'detaching leaves the VM running');

      const stdin = new PassThrough();
      let seen = '';
      const run = await cloudlet(['console', 'console-vm', '--cloudlet-dir', cloudletDir], {
        stdin,
        // A guard, so that a console that never answers fails the test instead of hanging it.
        signal: AbortSignal.timeout(60_000),
        onOutput: (text) => {
          const before = seen;
          seen += text;
          if (!before.includes('Ctrl-] detaches') && seen.includes('Ctrl-] detaches')) stdin.write('echo CLI-$((7*6))\n');
          if (!/CLI-42[\s\S]*AGENT-DONE 0/.test(before) && /CLI-42[\s\S]*AGENT-DONE 0/.test(seen)) stdin.write('\x1d');
        },
      });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /CLI-42/);
      assert.match(run.stderr, /console-vm: detached/);

      // The same socket by path, as `cloudlet overlay --interactive` prints it for its throwaway VM.
      const bySocket = new PassThrough();
      let socketSeen = '';
      const socketRun = await cloudlet(['console', '--socket', vm.files.socket], {
        stdin: bySocket,
        signal: AbortSignal.timeout(60_000),
        onOutput: (text) => {
          const before = socketSeen;
          socketSeen += text;
          if (!before.includes('Ctrl-] detaches') && socketSeen.includes('Ctrl-] detaches')) bySocket.write('echo SOCKET-$((5*5))\n');
          if (!/SOCKET-25[\s\S]*AGENT-DONE 0/.test(before) && /SOCKET-25[\s\S]*AGENT-DONE 0/.test(socketSeen)) bySocket.end();
        },
      });
      assert.equal(socketRun.code, 0, socketRun.stderr);
      assert.match(socketRun.stdout, /SOCKET-25/);
      assert.match(socketRun.stderr, /input ended; detached/);

      await libvirt.remove(vm);
      await assert.rejects(attachConsole('console-vm', { input: new PassThrough(), output: { write: () => true } }, { cloudletDir }), (error: unknown) =>
        error instanceof ConsoleAttachError && error.vm === 'console-vm' && /not running/.test(error.message));
    } finally {
      await destroyVm(vm.id, { cloudletDir });
    }
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

  it('refuses VM names virsh reads as a domain ID or UUID, before any work (SDK, and the CLI with exit code 2)', async () => {
    const uuidName = randomUUID();
    const overlay = join(host.scratch, 'never.overlay');
    for (const name of ['3', uuidName]) {
      const refused = (error: unknown) => error instanceof VmNameError && error.vmName === name && error.category === 'usage';
      await assert.rejects(launchBase(base.id, { cloudletDir, name }), refused);
      await assert.rejects(synthesizeVm(base.id, overlay, { cloudletDir, name }), refused);
      await assert.rejects(createVmOverlay(base.id, { lines: ['true'], until: { kind: 'delay', ms: 0 } }, { cloudletDir, name, output: overlay }), refused);
    }
    const synthesis = await cloudlet(['synthesis', base.id, overlay, '--name', '3', '--cloudlet-dir', cloudletDir]);
    assert.equal(synthesis.code, 2, synthesis.stderr);
    assert.match(synthesis.stderr, /"3".*domain ID/);
    const customize = await cloudlet(['overlay', base.id, '--type', 'true', '--name', uuidName, '--output', overlay, '--cloudlet-dir', cloudletDir]);
    assert.equal(customize.code, 2, customize.stderr);
    assert.match(customize.stderr, /UUID-shaped/);
    assert.deepEqual(await listVms({ cloudletDir }), []);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('`cloudlet destroy` of a VM whose domain is gone leaves alone another domain defined under its name, and says so', async () => {
    const vm = await launchBase(base.id, { cloudletDir, name: 'stopped-inside' });
    // As if the guest powered off (the transient domain vanishes) and someone defined a domain under the free name.
    await virsh('destroy', vm.uuid);
    const disk = { path: join(host.scratch, 'other.raw'), format: 'raw' } as const;
    const other = await libvirt.define(buildDomainXml({ name: vm.name, uuid: randomUUID(), type: vm.domainType, hardware: vm.hardware, disk, serialLog: join(host.scratch, 'other.log') }));
    try {
      assert.deepEqual((await listVms({ cloudletDir })).map((v) => [v.name, v.state]), [['stopped-inside', 'gone']], 'the other domain is not the VM');
      const destroyed = await cloudlet(['destroy', 'stopped-inside', '--json', '--cloudlet-dir', cloudletDir]);
      assert.equal(destroyed.code, 1, destroyed.stderr);
      const { error } = destroyed.json.at(-1) as { error: Record<string, unknown> };
      assert.deepEqual([error['code'], error['vmName'], error['expectedUuid'], error['foundUuid']], ['launch-vm-domain-mismatch', vm.name, vm.uuid, other.uuid]);
      assert.match(String(error['message']), /left alone/);
      assert.equal((await libvirt.lookup(vm.name)).uuid, other.uuid, 'the other domain is still defined');
      await assert.rejects(stat(vm.dir), { code: 'ENOENT' }, "the VM's own files are removed");
      assert.deepEqual(await listVms({ cloudletDir }), []);
    } finally {
      await libvirt.remove(other);
    }
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

  it('synthesizeVm: an overlay whose memory is a bare QEMU stream is wrapped and resumes; Ctrl-C while synthesizing leaves nothing', async () => {
    // The base's own state as a bare migration stream (the libvirt header cut off): an overlay of it
    // rebuilds a bare stream, which synthesizeVm must wrap in a save image for libvirt.
    const bare = join(host.scratch, 'bare.mem');
    const header = await readLibvirtSaveHeader(base.files.memory);
    await pipeline(createReadStream(base.files.memory, { start: libvirtStreamOffset(header) }), createWriteStream(bare));
    const overlay = join(host.scratch, 'bare.overlay');
    await createOverlay({ base: { disk: base.files.disk, memory: base.files.memory, id: base.id }, customized: { disk: base.files.disk, diskFormat: 'raw', memory: bare }, output: overlay });

    const controller = new AbortController();
    const interrupted = synthesizeVm(base.id, overlay, { cloudletDir, name: 'synth-interrupted', signal: controller.signal, onProgress: (event) => {
      // The overlay holds nothing but the VM state (the base's own): no blob of items, so the memory phase.
      if (event.kind === 'phase-start' && event.phase === 'write-memory') controller.abort();
    } });
    await assert.rejects(interrupted, { name: 'AbortError' });
    assert.equal(await libvirt.find('synth-interrupted'), undefined);
    assert.deepEqual(await listVms({ cloudletDir }), []);
    assert.deepEqual(await tmpEntries(), []);

    const saved = (await new SerialLog(base.files.console).counters()).at(-1)!;
    const events: Progress[] = [];
    const vm = await synthesizeVm(base.id, overlay, { cloudletDir, name: 'synth-bare', onProgress: (e) => events.push(e) });
    try {
      assert.ok(events.some((e) => e.kind === 'phase-end' && e.phase === 'wrap'), 'the bare stream was wrapped');
      const [, first] = await new SerialLog(vm.files.console).waitFor(/^COUNTER (\d+) UPTIME/, 20_000);
      assert.equal(Number(first), saved.counter + 1, 'the counter in guest RAM continued');
    } finally {
      await destroyVm(vm.id, { cloudletDir });
    }
  });

  for (const step of ['copy', 'restore'] as const) {
    it(`cleans up when interrupted at the ${step} step: no domain, no files, nothing registered`, async () => {
      const controller = new AbortController();
      const onProgress = (event: Progress) => {
        if (event.kind === 'phase-start' && event.phase === step) controller.abort();
      };
      await assert.rejects(launchBase(base.id, { cloudletDir, name: `interrupted-${step}`, onProgress, signal: controller.signal }), { name: 'AbortError' });
      assert.equal(await libvirt.find(`interrupted-${step}`), undefined);
      assert.deepEqual(await listVms({ cloudletDir }), []);
      assert.deepEqual(await readdir(join(cloudletDir, 'vms')), []);
      assert.deepEqual(await tmpEntries(), []);
    });
  }

  it('synthesized VMs are layers over the shared base: each resumes, costs its diff on disk, and the base cannot be deleted under them', async (t) => {
    // A customization that wrote 1 MiB near the end of the disk (outside the guest's file systems in use).
    const customized = join(host.scratch, 'layered.qcow2');
    await execa('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', base.files.disk, '-F', 'raw', customized]);
    await execa('qemu-io', ['-f', 'qcow2', '-c', `write -P 0x5c ${base.diskSize - (2 << 20)} 1M`, customized]);
    const overlay = join(host.scratch, 'layered.overlay');
    await createOverlay({ base: { disk: base.files.disk, memory: base.files.memory, id: base.id }, customized: { disk: customized, diskFormat: 'qcow2', memory: base.files.memory }, output: overlay });
    const baseDiskBefore = await stat(base.files.disk);
    const saved = (await new SerialLog(base.files.console).counters()).at(-1)!;

    const vms = [];
    for (const name of ['layer-1', 'layer-2']) {
      const vm = await synthesizeVm(base.id, overlay, { cloudletDir, name });
      vms.push(vm);
      assert.equal(vm.files.disk, join(vm.dir, 'disk.qcow2'));
      assert.equal(vm.backing, base.files.disk);
      // -U: the running VM holds the layer's lock.
      const info = JSON.parse((await execa('qemu-img', ['info', '-U', '--output=json', '-f', 'qcow2', vm.files.disk])).stdout) as Record<string, unknown>;
      assert.deepEqual([info['full-backing-filename'], info['backing-filename-format']], [base.files.disk, 'raw'], 'qemu-img info shows the base as the backing file');
      const xml = await (await libvirt.lookup(name)).xml();
      assert.match(xml, new RegExp(`<source file='${vm.files.disk}'`));
      assert.match(xml, new RegExp(`<backingStore type='file'[^>]*>\\s*<format type='raw'/>\\s*<source file='${base.files.disk}'`), xml);
      const [, first] = await new SerialLog(vm.files.console).waitFor(/^COUNTER (\d+) UPTIME/, 20_000);
      assert.equal(Number(first), saved.counter + 1, `${name}: the counter in guest RAM continued`);
      assert.equal((await stat(vm.files.disk)).mode & 0o777, 0o600);
    }
    const used = await Promise.all(vms.map(async (vm) => (await stat(vm.files.disk)).blocks * 512));
    const baseUsed = baseDiskBefore.blocks * 512;
    t.diagnostic(`disk bytes used (du): base ${baseUsed}, VMs ${used.join(', ')}`);
    for (const bytes of used) assert.ok(bytes < (1 << 20) + (512 << 10), `a VM's layer holds its 1 MiB diff and tables, not the base (${bytes} bytes)`);
    // qemu-io verifies the pattern (-U: the VM holds the layer's lock; -r: read-only).
    const verified = await execa('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', `read -P 0x5c ${base.diskSize - (2 << 20)} 1M`, vms[0]!.files.disk], { reject: false });
    assert.equal(verified.exitCode, 0, `the layer reads as the customized disk: ${verified.stdout}`);

    const inUse = (names: string[]) => (error: unknown) => {
      assert.ok(error instanceof BaseInUseError, String(error));
      assert.deepEqual([...error.vmNames].sort(), names);
      assert.match(error.message, /destroy/);
      return true;
    };
    await assert.rejects(deleteBase(base.id, { cloudletDir }), inUse(['layer-1', 'layer-2']));
    const refused = await cloudlet(['del-base', base.id.slice(0, 12)], { env: { CLOUDLET_DIR: cloudletDir } });
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /layer-1.*layer-2/);
    await destroyVm('layer-1', { cloudletDir });
    await assert.rejects(stat(vms[0]!.dir), { code: 'ENOENT' });
    await assert.rejects(deleteBase(base.id, { cloudletDir }), inUse(['layer-2']));
    assert.equal((await stat(base.files.disk)).mtimeMs, baseDiskBefore.mtimeMs, "the VMs' writes never reached the base's disk");
    await destroyVm('layer-2', { cloudletDir });
    assert.ok((await stat(base.files.disk)).isFile(), '`destroy` removes only the layer');
    assert.equal((await deleteBase(base.id, { cloudletDir })).id, base.id, 'with its VMs gone, the base can go');
  });
});
