import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { stat } from 'node:fs/promises';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { join } from 'node:path';
import {
  addPortForward,
  DomainExistsError,
  DomainNotFoundError,
  DomainUuidMismatchError,
  LibvirtConnection,
  LibvirtUnavailableError,
  PortInUseError,
} from '../../../native/libvirt/index.js';
import { prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { buildTestGuest, SerialLog, virsh } from '../../fixtures/guest/index.js';

/** The test guest booted straight from its kernel: enough to exercise the binding. */
async function kernelBootXml(name: string, serialLog: string, nic = false, uuid = randomUUID()): Promise<string> {
  const { kernel, initrd } = await buildTestGuest();
  return `<domain type='qemu'>
  <name>${name}</name>
  <uuid>${uuid}</uuid>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>${kernel}</kernel><initrd>${initrd}</initrd><cmdline>console=ttyS0 quiet panic=-1</cmdline></os>
  <devices>
    <serial type='file'><source path='${serialLog}' append='on'/><target port='0'/></serial>
    ${nic ? "<interface type='user'><model type='virtio'/></interface>" : ''}
    <controller type='usb' model='none'/>
    <memballoon model='none'/>
  </devices>
</domain>`;
}

/** A server on a free loopback port. */
async function listening(): Promise<[Server, number]> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return [server, (server.address() as AddressInfo).port];
}

describe('LibvirtConnection on the real libvirtd', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  const name = `cloudlet-test-lv-${process.pid}`;

  before(async () => {
    host = await prepareLibvirtHost('libvirt-');
    libvirt = await LibvirtConnection.open();
  });

  after(async () => {
    for (const leftover of [name, `${name}-t`, `${name}-other`]) {
      const domain = await libvirt.find(leftover);
      if (domain) await libvirt.remove(domain).catch(() => undefined);
    }
    await libvirt.close();
    await host.release();
  });

  it('says libvirtd is not running when nothing listens on the socket', async () => {
    const uri = `qemu:///system?socket=${join(host.scratch, 'no-daemon.sock')}`;
    await assert.rejects(LibvirtConnection.open(uri), (error: unknown) => {
      assert.ok(error instanceof LibvirtUnavailableError);
      assert.equal(error.reason, 'not-running');
      assert.equal(error.uri, uri);
      assert.match(error.libvirtMessage, /no-daemon\.sock/);
      return true;
    });
  });

  it('names the domain in DomainNotFoundError', async () => {
    await assert.rejects(libvirt.lookup(`${name}-missing`), (error: unknown) => {
      assert.ok(error instanceof DomainNotFoundError);
      assert.equal(error.domain, `${name}-missing`);
      assert.equal(error.operation, 'lookup');
      return true;
    });
    assert.equal(await libvirt.find(`${name}-missing`), undefined);
  });

  it('defines, starts, saves, restores, destroys and undefines a persistent domain', async () => {
    const serial = new SerialLog(join(host.scratch, 'persistent.log'));
    const domain = await libvirt.define(await kernelBootXml(name, serial.path));
    assert.equal(domain.name, name);
    assert.equal((await domain.status()).state, 'shut-off');
    assert.match(await domain.xml(), new RegExp(`<name>${name}</name>`));

    await domain.start();
    assert.equal((await domain.status()).active, true);
    await serial.waitFor(/^COUNTER 2 /, 30_000);

    const image = join(host.scratch, 'persistent.save');
    await domain.save(image);
    const saved = (await serial.counters()).at(-1)!;
    assert.equal((await domain.status()).state, 'shut-off', 'a saved persistent domain stays defined, shut off');
    assert.equal((await stat(image)).mode & 0o777, 0o600);

    const restored = await libvirt.restore(image, domain);
    assert.deepEqual([restored.name, restored.uuid], [domain.name, domain.uuid], 'found by the UUID it was defined with');
    assert.equal((await restored.status()).state, 'running');
    await serial.waitFor(new RegExp(`^COUNTER ${saved.counter + 1} `), 15_000);

    await restored.destroy();
    await restored.undefine();
    assert.equal(await libvirt.find(name), undefined);
  });

  it('refuses a second domain of the same name with DomainExistsError, forwards ports, and remove() clears a transient one', async () => {
    const xml = await kernelBootXml(`${name}-t`, join(host.scratch, 'transient.log'), true);
    const domain = await libvirt.create(xml);
    assert.ok((await libvirt.names()).includes(domain.name));
    await assert.rejects(libvirt.create(xml), (error: unknown) => error instanceof DomainExistsError && error.domain === domain.name);

    const [taken, takenPort] = await listening();
    const [spare, sparePort] = await listening();
    spare.close();
    const forward = { protocol: 'tcp', hostPort: sparePort, guestPort: 22 } as const;
    await addPortForward(libvirt.uri, domain, forward);
    const client = createConnection({ host: '127.0.0.1', port: forward.hostPort });
    await once(client, 'connect');
    client.destroy();
    for (const hostPort of [forward.hostPort, takenPort]) {
      await assert.rejects(addPortForward(libvirt.uri, domain, { ...forward, hostPort }), (error: unknown) => error instanceof PortInUseError && error.hostPort === hostPort);
    }
    taken.close();

    assert.equal(await libvirt.remove(domain), true);
    assert.equal(await libvirt.find(domain.name), undefined);
    assert.equal(await libvirt.remove(domain), false);
  });

  it('remove() refuses a domain that has the name but not the UUID we defined, and leaves it alone', async () => {
    const ours = { name: `${name}-other`, uuid: randomUUID() };
    const theirs = await libvirt.define(await kernelBootXml(ours.name, join(host.scratch, 'other.log')));
    await assert.rejects(libvirt.remove(ours), (error: unknown) => {
      assert.ok(error instanceof DomainUuidMismatchError);
      assert.deepEqual([error.domain, error.expectedUuid, error.foundUuid], [ours.name, ours.uuid, theirs.uuid]);
      assert.match(error.message, /left alone/);
      return true;
    });
    assert.equal((await libvirt.lookup(ours.name)).uuid, theirs.uuid, 'the other domain is still defined');
    assert.equal(await libvirt.remove(theirs), true);
  });

  it('forwards into the domain by UUID, also when another domain is named like its ID', async () => {
    // The reproduction: a domain named `3` while the domain with ID 3 is another one; virsh read the name as that ID.
    const first = await libvirt.create(await kernelBootXml(`${name}-t`, join(host.scratch, 'first.log'), true));
    const id = (await virsh('domid', first.uuid)).stdout.trim();
    assert.match(id, /^\d+$/);
    const second = await libvirt.create(await kernelBootXml(id, join(host.scratch, 'second.log'), true));
    try {
      const [spare, hostPort] = await listening();
      spare.close();
      await addPortForward(libvirt.uri, second, { protocol: 'tcp', hostPort, guestPort: 22 });
      const usernet = async (uuid: string) => (await virsh('qemu-monitor-command', '--domain', uuid, '--hmp', 'info usernet')).stdout;
      const forwarded = new RegExp(`HOST_FORWARD.*127\\.0\\.0\\.1\\s+${hostPort}\\b`);
      assert.match(await usernet(second.uuid), forwarded, 'the forward is on the domain it was meant for');
      assert.doesNotMatch(await usernet(first.uuid), forwarded, 'and not on the domain whose ID is that name');
    } finally {
      await libvirt.remove(second);
      await libvirt.remove(first);
    }
  });
});
