import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LibvirtConnection, qemuDacLabel, SYSTEM_URI } from '../../../native/libvirt/index.js';
import { BASE_FILES, shareWithQemu } from '../../../sdk/base/index.js';
import { qemuImg } from '../../../sdk/image/disk/index.js';
import { readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { VM_FILES } from '../../../sdk/vms/index.js';
import {
  buildDomainXml,
  checkUntrustedSaveCookie,
  detectAcceleration,
  domainFacts,
  domainXmlViolations,
  DomainSpecError,
  parseXml,
  randomMac,
  type DomainSpec,
} from '../../../sdk/vm/index.js';
import { buildBootableDisk, prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';

function spec(dir: string, overrides: Partial<DomainSpec> = {}): DomainSpec {
  return {
    name: `cloudlet-test-xml-${process.pid}`,
    uuid: randomUUID(),
    type: 'qemu',
    hardware: { memoryMiB: 128, vcpus: 1, machine: 'pc', nicMac: randomMac(Buffer.from([1, 2, 3])) },
    disk: { path: join(dir, 'disk.raw'), format: 'raw' },
    serialLog: join(dir, 'console.log'),
    ...overrides,
  };
}

describe('buildDomainXml', () => {
  it('refuses values it cannot embed safely, naming the field', () => {
    const bad: Array<[string, Partial<DomainSpec>]> = [
      ['name', { name: "x'/><hostdev" }],
      ['name', { name: '3' }],
      ['name', { name: randomUUID() }],
      ['name', { name: randomUUID().replace(/-/g, '').toUpperCase() }],
      ['uuid', { uuid: 'not-a-uuid' }],
      ['memoryMiB', { hardware: { memoryMiB: 1.5, vcpus: 1, machine: 'pc', nicMac: null } }],
      ['machine', { hardware: { memoryMiB: 128, vcpus: 1, machine: "pc'><x", nicMac: null } }],
      ['nicMac', { hardware: { memoryMiB: 128, vcpus: 1, machine: 'pc', nicMac: 'ff:ff:ff:ff:ff:ff' } }],
      ['disk.path', { disk: { path: 'relative.raw', format: 'raw' } }],
      ['consoleSocket', { consoleSocket: 'console.sock' }],
      ['disk.backing', { disk: { path: '/d/disk.raw', format: 'raw', backing: { path: '/b/disk.raw', format: 'raw' } } }],
      ['disk.backing.path', { disk: { path: '/d/disk.qcow2', format: 'qcow2', backing: { path: 'disk.raw', format: 'raw' } } }],
    ];
    for (const [field, overrides] of bad) {
      assert.throws(() => buildDomainXml(spec('/d', overrides)), (error: unknown) => error instanceof DomainSpecError && error.field === field, field);
    }
  });

  it('escapes paths, so a quote in a directory name cannot add attributes', () => {
    const xml = buildDomainXml(spec("/d/it's <here>"));
    const disk = parseXml(xml).children.find((child) => child.name === 'devices')!.children.find((child) => child.name === 'disk')!;
    assert.equal(disk.children.find((child) => child.name === 'source')!.attributes.get('file'), "/d/it's <here>/disk.raw");
  });

  it('passes discards through on every disk, and has a free-page-reporting balloon only for hardware recorded with one', () => {
    const devices = (hardware: DomainSpec['hardware']) => parseXml(buildDomainXml(spec('/d', { hardware }))).children.find((child) => child.name === 'devices')!;
    const plain = { memoryMiB: 128, vcpus: 1, machine: 'pc', nicMac: null };
    const driver = devices(plain).children.find((child) => child.name === 'disk')!.children.find((child) => child.name === 'driver')!;
    assert.deepEqual([driver.attributes.get('discard'), driver.attributes.get('detect_zeroes')], ['unmap', 'unmap']);
    const balloon = (hardware: DomainSpec['hardware']) => Object.fromEntries(devices(hardware).children.find((child) => child.name === 'memballoon')!.attributes);
    assert.deepEqual(balloon(plain), { model: 'none' }, 'a base recorded before the balloon keeps its device set');
    assert.deepEqual(balloon({ ...plain, freePageReporting: false }), { model: 'none' });
    assert.deepEqual(balloon({ ...plain, freePageReporting: true }), { model: 'virtio', freePageReporting: 'on' });
    assert.throws(() => buildDomainXml(spec('/d', { hardware: { ...plain, freePageReporting: 'on' as unknown as boolean } })), (error: unknown) => error instanceof DomainSpecError && error.field === 'freePageReporting');
  });

  it('gives the console an input socket when asked, still logging to the serial log', () => {
    const xml = buildDomainXml(spec('/d', { consoleSocket: '/d/console.sock', disk: { path: '/d/disk.qcow2', format: 'qcow2' } }));
    const serial = parseXml(xml).children.find((child) => child.name === 'devices')!.children.find((child) => child.name === 'serial')!;
    assert.equal(serial.attributes.get('type'), 'unix');
    assert.equal(serial.children.find((child) => child.name === 'source')!.attributes.get('path'), '/d/console.sock');
    assert.equal(serial.children.find((child) => child.name === 'log')!.attributes.get('file'), '/d/console.log');
  });
});

describe('buildDomainXml on the real libvirtd', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  const made: DomainSpec[] = [];

  before(async () => {
    host = await prepareLibvirtHost('vm-xml-');
    libvirt = await LibvirtConnection.open();
    await copyFile((await buildBootableDisk()).path, join(host.scratch, 'disk.raw'));
  });

  after(async () => {
    for (const domain of made) await libvirt.remove(domain).catch(() => undefined);
    await libvirt.close();
    await host.release();
  });

  it('makes a domain libvirt runs, whose live and saved XML (addresses, labels, defaults added) pass our own untrusted-XML check', async () => {
    const { domainType } = await detectAcceleration();
    const wanted = spec(host.scratch, { type: domainType });
    made.push(wanted);
    const domain = await libvirt.create(buildDomainXml(wanted));
    const live = await domain.xml();
    await domain.save(join(host.scratch, 'saved.save'));
    const saved = await readLibvirtSaveHeader(join(host.scratch, 'saved.save'));
    assert.deepEqual(domainXmlViolations(live), []);
    assert.deepEqual(domainXmlViolations(saved.xml), []);
    checkUntrustedSaveCookie(saved.cookie!, 'the save image libvirt wrote');
    const facts = domainFacts(live);
    assert.equal(facts.uuid, wanted.uuid);
    assert.match(facts.hardware.machine, /^pc-i440fx-\d/, "libvirt resolved 'pc' to a versioned machine type");
    assert.deepEqual({ ...facts.hardware, machine: 'pc' }, wanted.hardware);
    assert.deepEqual(facts.diskFiles, [wanted.disk.path]);
  });

  it('runs and saves the free-page-reporting balloon and discarding disk as libvirt 9 writes them back, passing our untrusted-XML check', async () => {
    const { domainType } = await detectAcceleration();
    const wanted = spec(host.scratch, { type: domainType, name: `cloudlet-test-xml-balloon-${process.pid}`, serialLog: join(host.scratch, 'balloon.log'), hardware: { memoryMiB: 128, vcpus: 1, machine: 'pc', nicMac: null, freePageReporting: true } });
    made.push(wanted);
    const domain = await libvirt.create(buildDomainXml(wanted));
    const live = await domain.xml();
    assert.match(live, /<driver name='qemu' type='raw' discard='unmap' detect_zeroes='unmap'\/>/);
    assert.match(live, /<memballoon model='virtio' freePageReporting='on'>/);
    const pid = (await readFile(`/run/libvirt/qemu/${wanted.name}.pid`, 'utf8')).trim();
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    assert.match(commandLine, /"driver":"virtio-balloon-pci",[^}]*"free-page-reporting":true/);
    assert.match(commandLine, /"discard":"unmap","detect-zeroes":"unmap"/);
    await domain.save(join(host.scratch, 'balloon.save'));
    const saved = await readLibvirtSaveHeader(join(host.scratch, 'balloon.save'));
    assert.deepEqual(domainXmlViolations(saved.xml), []);
    assert.deepEqual({ ...domainFacts(saved.xml).hardware, machine: 'pc' }, wanted.hardware);
  });

  it("runs a qcow2 layer over a base disk shared with QEMU's group, and leaves the base's owner alone", async () => {
    const { domainType } = await detectAcceleration();
    const base = join(host.scratch, 'disk.raw');
    const qemu = await qemuDacLabel(SYSTEM_URI, domainType);
    assert.ok(qemu, 'libvirtd labels files for QEMU (DAC)');
    await shareWithQemu(base, qemu.gid);
    const before = await stat(base);
    const layer = join(host.scratch, 'layer.qcow2');
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', layer]);
    const wanted = spec(host.scratch, { type: domainType, name: `cloudlet-test-xml-layer-${process.pid}`, disk: { path: layer, format: 'qcow2', backing: { path: base, format: 'raw' } } });
    made.push(wanted);
    const domain = await libvirt.create(buildDomainXml(wanted));
    const running = await stat(base);
    assert.deepEqual([running.uid, running.gid, running.mode & 0o777], [before.uid, qemu.gid, 0o640], 'not relabeled while the VM runs');
    assert.equal((await stat(layer)).uid, qemu.uid, 'the layer is relabeled to QEMU, as any disk of ours');
    assert.deepEqual(domainXmlViolations(await domain.xml()), []);
    await domain.destroy();
    const after = await stat(base);
    assert.deepEqual([after.uid, after.gid, after.mode & 0o777], [before.uid, qemu.gid, 0o640], 'nor afterwards');
  });

  it('has QEMU open by itself only files of ours that its AppArmor profile lists: the console log reaches it as a descriptor', async () => {
    const { domainType } = await detectAcceleration();
    const wanted = spec(host.scratch, { type: domainType, name: `cloudlet-test-xml-console-${process.pid}`, consoleSocket: join(host.scratch, 'console.sock') });
    made.push(wanted);
    await libvirt.create(buildDomainXml(wanted));
    const pid = (await readFile(`/run/libvirt/qemu/${wanted.name}.pid`, 'utf8')).trim();
    const commandLine = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
    const opened = [...commandLine.matchAll(new RegExp(`${host.scratch}/[^",\\s]+`, 'g'))].map((match) => match[0]);
    assert.deepEqual(opened, [wanted.disk.path], 'the disk is the one file QEMU opens by path (the console socket is passed bound)');
    const rules = profileRules(buildDomainXml(wanted), wanted.uuid);
    for (const path of opened) assert.equal(rules.get(path), 'rwk', path);
  });
});

/**
 * The rules libvirt's own virt-aa-helper (the one libvirtd runs, in --dryrun: nothing is written or
 * loaded, so no AppArmor is needed) puts in a domain's profile libvirt-<uuid>, for the XML as
 * libvirtd passes it: `-c` when the VM starts, `-r -F file` when a save or restore adds its image.
 */
function profileRules(xml: string, uuid: string, appended?: string): Map<string, string> {
  const mode = appended === undefined ? ['-c'] : ['-r', '-F', appended];
  const helper = spawnSync('/usr/lib/libvirt/virt-aa-helper', ['--dryrun', ...mode, '-u', `libvirt-${uuid}`], { input: xml, encoding: 'utf8' });
  assert.equal(helper.status, 0, helper.stderr);
  const rules = new Map<string, string>();
  for (const match of `${helper.stdout}${helper.stderr}`.matchAll(/^\s*"([^"]+)" (\w+),$/gm)) rules.set(match[1]!, match[2]!);
  return rules;
}

/** The rules naming files under `dir`, as `path perms` lines. */
function rulesUnder(rules: Map<string, string>, dir: string): string[] {
  return [...rules].filter(([path]) => path.startsWith(`${dir}/`)).map(([path, perms]) => `${path.slice(dir.length + 1)} ${perms}`).sort();
}

describe('buildDomainXml under per-VM AppArmor confinement (libvirt\'s virt-aa-helper)', () => {
  let root: string;
  let base: string;
  let vm: string;

  before(async () => {
    root = await mkdtemp('/var/tmp/cloudlet-aa-');
    [base, vm] = [join(root, 'bases', 'b1'), join(root, 'vms', 'v1')];
    for (const dir of [base, vm]) await mkdir(dir, { recursive: true });
    await writeFile(join(base, BASE_FILES.disk), Buffer.alloc(1 << 20));
    await writeFile(join(vm, VM_FILES.disk), Buffer.alloc(1 << 20));
    await qemuImg(['create', '-q', '-f', 'qcow2', '-b', join(base, BASE_FILES.disk), '-F', 'raw', join(vm, 'disk.qcow2')]);
  });

  after(() => rm(root, { recursive: true, force: true }));

  it('lets a booting base VM (create-base) reach its own disk and console file, nothing else of ours', () => {
    const uuid = randomUUID();
    const xml = buildDomainXml(spec(base, { uuid, disk: { path: join(base, BASE_FILES.disk), format: 'raw' }, serialLog: join(base, BASE_FILES.console) }));
    const rules = profileRules(xml, uuid);
    assert.deepEqual(rulesUnder(rules, root), ['bases/b1/console.log rw', 'bases/b1/disk.raw rwk']);
    assert.deepEqual(rulesUnder(profileRules(xml, uuid, join(base, BASE_FILES.memory)), root), ['bases/b1/memory.save rwk'], 'the save image, added when libvirt saves the VM');
  });

  it('lets a VM being customized (create-vm-overlay) write its qcow2 layer and only read the base disk under it', () => {
    const uuid = randomUUID();
    const disk = { path: join(vm, 'disk.qcow2'), format: 'qcow2', backing: { path: join(base, BASE_FILES.disk), format: 'raw' } } as const;
    const xml = buildDomainXml(spec(vm, { uuid, disk, consoleSocket: join(vm, 'console.sock') }));
    // The console log is not in the profile: libvirt has virtlogd (stdio_handler "logd", its default) open it and QEMU writes into a pipe.
    assert.deepEqual(rulesUnder(profileRules(xml, uuid), root), ['bases/b1/disk.raw rk', 'vms/v1/console.sock rw', 'vms/v1/disk.qcow2 rwk']);
  });

  it('confines a launched VM (launch-vm) to its own directory: disk, console socket, and the save image it restores from', () => {
    const uuid = randomUUID();
    const file = (key: keyof typeof VM_FILES) => join(vm, VM_FILES[key]);
    const xml = buildDomainXml(spec(vm, { uuid, disk: { path: file('disk'), format: 'raw' }, serialLog: file('console'), consoleSocket: file('socket') }));
    const rules = profileRules(xml, uuid);
    assert.deepEqual(rulesUnder(rules, root), ['vms/v1/console.sock rw', 'vms/v1/disk.raw rwk']);
    assert.deepEqual(rulesUnder(profileRules(xml, uuid, file('memory')), root), ['vms/v1/memory.save rwk']);
    for (const [path] of rules) assert.doesNotMatch(path, /^\/(var\/)?tmp\/.*[*?[{]/, `${path}: a pattern under a world-writable directory`);
  });
});
