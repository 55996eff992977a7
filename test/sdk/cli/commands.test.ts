import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import { launchBase } from '../../../sdk/vms/index.js';
import { buildBootableDisk, prepareLibvirtHost, type BootableDisk, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { cloudlet, cloudletProcess } from './cli-harness.js';

/** COUNTER 2: the guest's counter is in RAM before the save. */
const READY = ['--ready', 'serial:COUNTER 2 UPTIME', '--memory', '256'];

describe('the cloudlet VM commands, on the real libvirtd', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let disk: BootableDisk;
  let env: { CLOUDLET_DIR: string };
  let baseId: string;

  before(async () => {
    host = await prepareLibvirtHost('cli-');
    libvirt = await LibvirtConnection.open();
    disk = await buildBootableDisk();
    env = { CLOUDLET_DIR: join(host.scratch, 'cloudlet') };
  });

  after(async () => {
    try {
      for (const name of await libvirt.names()) {
        const domain = name.startsWith('cli-') ? await libvirt.find(name) : undefined;
        if (domain) await libvirt.remove(domain).catch(() => undefined);
      }
      await libvirt.close();
    } finally {
      await host.release();
    }
  });

  const tmpEntries = (dir = env.CLOUDLET_DIR) => readdir(join(dir, 'tmp'));
  const listedIds = async () => {
    const { code, json } = await cloudlet(['list-base', '--json'], { env });
    assert.equal(code, 0);
    return (json[0] as unknown as Array<{ id: string }>).map((base) => base.id);
  };

  it('makes a base, lists, exports, deletes, imports and lists it again', async (t) => {
    const made = await cloudlet(['base', disk.path, ...READY, '--name', 'tiny', '--json'], { env });
    assert.equal(made.code, 0, made.stderr);
    const events = made.json.map((event) => event.kind);
    assert.equal(events.filter((kind) => kind === 'acceleration').length, 1, 'KVM or TCG is said once');
    assert.ok(events.includes('console'));
    const result = made.json.at(-1) as { kind: string; base: { id: string; name: string } };
    assert.equal(result.kind, 'result');
    assert.equal(result.base.name, 'tiny');
    baseId = result.base.id;
    t.diagnostic(made.json.filter((e) => e.kind === 'phase-end').map((e) => `${String(e.phase)} ${String(e.elapsedMs)} ms`).join(', '));
    assert.deepEqual(await listedIds(), [baseId]);

    const plain = await cloudlet(['list-base'], { env });
    assert.match(plain.stdout, new RegExp(`^${baseId.slice(0, 12)}\\s+tiny\\s+256 MiB`, 'm'));

    const archive = join(host.scratch, 'tiny.zip');
    const exported = await cloudlet(['export-base', baseId.slice(0, 12), archive], { env });
    assert.equal(exported.code, 0, exported.stderr);
    assert.ok((await stat(archive)).size > 0);
    assert.equal((await cloudlet(['export-base', 'tiny', archive], { env })).code, 1, 'an existing archive is never replaced');

    const deleted = await cloudlet(['del-base', 'tiny'], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(await listedIds(), []);
    assert.match((await cloudlet(['list-base'], { env })).stdout, /^no base VMs/);

    const imported = await cloudlet(['import-base', archive], { env });
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, new RegExp(`^base ${baseId}  tiny$`, 'm'));
    assert.deepEqual(await listedIds(), [baseId]);
    assert.equal((await cloudlet(['import-base', archive], { env })).code, 1, 'a duplicate is refused');
    assert.deepEqual(await tmpEntries(), []);
  });

  it('lists and destroys a VM launched from the base', async () => {
    const vm = await launchBase(baseId, { cloudletDir: env.CLOUDLET_DIR, name: 'cli-vm' });
    const listed = await cloudlet(['list', '--json'], { env });
    assert.equal(listed.code, 0);
    assert.deepEqual((listed.json[0] as unknown as Array<{ name: string; state: string }>).map((v) => [v.name, v.state]), [['cli-vm', 'running']]);
    assert.match((await cloudlet(['list'], { env })).stdout, new RegExp(`^cli-vm\\s+${vm.id}\\s+running\\s+${baseId.slice(0, 12)}`, 'm'));

    const destroyed = await cloudlet(['destroy', 'cli-vm'], { env });
    assert.equal(destroyed.code, 0, destroyed.stderr);
    assert.equal(await libvirt.find('cli-vm'), undefined);
    await assert.rejects(stat(vm.dir), { code: 'ENOENT' });
    assert.match((await cloudlet(['list'], { env })).stdout, /^no VMs/);
  });

  it('exits 1 with one line saying what to do when the operation fails', async () => {
    for (const argv of [['del-base', 'no-such-base'], ['destroy', 'no-such-vm'], ['export-base', 'no-such-base', join(host.scratch, 'x.zip')]]) {
      const run = await cloudlet(argv, { env });
      assert.equal(run.code, 1, argv.join(' '));
      assert.equal(run.stderr.trim().split('\n').length, 1);
      assert.match(run.stderr, /cloudlet list/);
    }
    const socket = join(host.scratch, 'no-libvirtd.sock');
    const down = await cloudlet(['base', disk.path, ...READY, '--connect', `qemu:///system?socket=${socket}`], { env });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^cloudlet base: libvirt is not reachable .*libvirtd -d/);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('exits 2 with the usage on wrong arguments', async () => {
    for (const argv of [['base'], ['base', disk.path, '--ready', 'bogus:1'], ['base', disk.path, '--memory', 'lots'], ['list', 'extra'], ['list-base', '--bogus'], ['no-such-command'], ['console'], ['console', 'a-vm', '--socket', '/tmp/x.sock']]) {
      const run = await cloudlet(argv, { env });
      assert.equal(run.code, 2, argv.join(' '));
    }
    assert.match((await cloudlet(['destroy'], { env })).stderr, /usage: cloudlet destroy <vm>/);
  });

  it('--interactive says how to reach the console and saves when Enter is pressed', async () => {
    const cloudletDir = join(host.scratch, 'interactive');
    const stdin = new PassThrough();
    const run = await cloudlet(['base', disk.path, '--interactive', '--memory', '256', '--cloudlet-dir', cloudletDir], {
      stdin,
      onOutput: (text) => {
        if (text.includes('press Enter')) setTimeout(() => stdin.write('\n'), 1_000);
      },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /tail -f .*console\.log/);
    assert.match(run.stdout, /^ready .*confirmed$/m);
    assert.deepEqual(await tmpEntries(cloudletDir), []);
  });

  it('--interactive gives up, cleaning up, when stdin closes before Enter', async () => {
    const cloudletDir = join(host.scratch, 'closed');
    const stdin = new PassThrough();
    const run = await cloudlet(['base', disk.path, '--interactive', '--memory', '256', '--cloudlet-dir', cloudletDir], {
      stdin,
      onOutput: (text) => {
        if (text.includes('press Enter')) stdin.end();
      },
    });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /stdin closed before Enter/);
    assert.match(run.stdout, /^cleaned up: domain cloudlet-base-new-/m);
    assert.deepEqual(await tmpEntries(cloudletDir), []);
  });

  it('Ctrl-C while the VM boots: exit 130, no domain and no files left', async () => {
    const cloudletDir = join(host.scratch, 'interrupted');
    const run = await cloudletProcess(['base', disk.path, ...READY, '--cloudlet-dir', cloudletDir], {}, /^console: /m);
    assert.equal(run.code, 130, run.stderr);
    assert.match(run.stderr, /interrupted/);
    const domain = /^console: (\S+)/m.exec(run.stdout)![1]!;
    assert.equal(await libvirt.find(domain), undefined);
    assert.deepEqual(await tmpEntries(cloudletDir), []);
    assert.deepEqual(await readdir(join(cloudletDir, 'bases')), []);
  });
});
