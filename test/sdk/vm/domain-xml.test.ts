import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import { readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
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
  let made: DomainSpec | undefined;

  before(async () => {
    host = await prepareLibvirtHost('vm-xml-');
    libvirt = await LibvirtConnection.open();
    await copyFile((await buildBootableDisk()).path, join(host.scratch, 'disk.raw'));
  });

  after(async () => {
    if (made) await libvirt.remove(made).catch(() => undefined);
    await libvirt.close();
    await host.release();
  });

  it('makes a domain libvirt runs, whose live and saved XML (addresses, labels, defaults added) pass our own untrusted-XML check', async () => {
    const { domainType } = await detectAcceleration();
    const wanted = spec(host.scratch, { type: domainType });
    made = wanted;
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
});
