import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { LibvirtConnection, type DomainRef } from '../../../native/libvirt/index.js';
import { BaseRegistry, sweepStaleDomains, type Progress } from '../../../sdk/base/index.js';
import { buildDomainXml } from '../../../sdk/vm/index.js';
import { prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';

describe('sweepStaleDomains on the real libvirtd', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  const prefix = `cloudlet-test-sweep-${process.pid}`;

  before(async () => {
    host = await prepareLibvirtHost('sweep-');
    libvirt = await LibvirtConnection.open();
  });

  after(async () => {
    for (const name of await libvirt.names()) {
      const domain = name.startsWith(prefix) ? await libvirt.find(name) : undefined;
      if (domain) await libvirt.remove(domain).catch(() => undefined);
    }
    await libvirt.close();
    await host.release();
  });

  /** Defined, never started: enough for a sweep to find under its name. */
  const define = (domain: DomainRef) =>
    libvirt.define(buildDomainXml({ ...domain, type: 'qemu', hardware: { memoryMiB: 64, vcpus: 1, machine: 'pc', nicMac: null }, disk: { path: join(host.scratch, 'disk.raw'), format: 'raw' }, serialLog: join(host.scratch, `${domain.name}.log`) }));

  it("removes a killed command's domain by its UUID, and leaves alone one under its name with another UUID or with none recorded", async () => {
    const registry = await BaseRegistry.open({ cloudletDir: join(host.scratch, 'cloudlet') });
    const dead = execa('true');
    await dead;
    const staged = async (dir: string, domain: unknown) => {
      await mkdir(join(registry.dir.tmp, dir));
      await writeFile(join(registry.dir.tmp, dir, '.owner.json'), JSON.stringify({ pid: dead.pid, domain }));
    };
    const ours = { name: `${prefix}-ours`, uuid: randomUUID() };
    await define(ours);
    await staged('create-ours', ours);
    // The name a killed command recorded, since taken by someone else's domain.
    const taken = { name: `${prefix}-taken`, uuid: randomUUID() };
    const other = await define({ name: taken.name, uuid: randomUUID() });
    await staged('overlay-taken', taken);
    // An owner file of an older version: the name only.
    const old = await define({ name: `${prefix}-old`, uuid: randomUUID() });
    await staged('launch-old', old.name);

    const events: Progress[] = [];
    await sweepStaleDomains(registry, libvirt, (event) => events.push(event));

    assert.equal(await libvirt.find(ours.name), undefined, 'the domain with the recorded UUID is removed');
    assert.equal((await libvirt.lookup(taken.name)).uuid, other.uuid, 'the other domain under the name is left alone');
    assert.equal((await libvirt.lookup(old.name)).uuid, old.uuid, 'a domain recorded without UUID is left alone');
    const warnings = events.flatMap((event) => (event.kind === 'warning' ? [event.message] : []));
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.ok(warnings.some((message) => message.includes(taken.name) && message.includes(other.uuid) && /left alone/.test(message)), warnings.join('\n'));
    assert.ok(warnings.some((message) => message.includes(old.name) && /without its UUID/.test(message)), warnings.join('\n'));
    assert.deepEqual(await readdir(registry.dir.tmp), [], 'the work directories are ours: all deleted');
  });
});
