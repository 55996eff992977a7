// The shipped playbooks as a user runs them: `npx cloudlet-tasks play` from a fresh project that
// installed the packed package, against two real cloudlet hosts (install's packages, the SDK
// deployed by the real install, a libvirtd inside each). lab.yml under --check changes nothing;
// applied, it puts the base and a VM per host (resumed, its RAM counter going on); a second run
// reports every step unchanged and leaves each host's files byte-identical but for the VMs'
// runtime state; teardown.yml removes VMs and base, and changes nothing the second time.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { deployCloudlet, inside, lastCounters, remotePair, snapshotChanges, startLab, startLibvirtd, upperSnapshot, type Lab, type RemotePair } from '../fixtures/hosts/index.js';
import { packedProject, type PackedProject } from '../fixtures/packed-package.js';
import { freshHome, resultsByHost, type CliRun } from '../fixtures/run-cli.js';
import { shippedPlaybooksDir } from '../fixtures/shipped-playbooks.js';

const HOSTS = ['c1', 'c2'];
/** What a running VM changes by running: its disk and console log, libvirt's and QEMU's runtime files, logs. */
const RUNTIME = /^(run|tmp|var\/log|var\/run|var\/cache|var\/lib\/libvirt|home\/ops\/\.cache)(\/|$)|^home\/ops\/\.cloudlet\/vms\/[0-9a-f]{12}\/(console\.log|disk\.raw|disk\.qcow2)$/;

function statuses(run: CliRun, host: string): Map<string, string> {
  return new Map(run.events.filter((e) => e.type === 'step' && e['host'] === host).map((e) => [e['step'] as string, e['status'] as string]));
}

describe('the shipped lab.yml and teardown.yml on real cloudlet hosts', () => {
  let lab: Lab;
  let pair: RemotePair;
  let project: PackedProject;
  let home: string;
  let dir: string;
  const play = (file: string, ...args: string[]): Promise<CliRun> =>
    project.npx(['--json', '-F', lab.sshConfigFile, '-i', join(dir, 'inventory.yml'), 'play', join(dir, file), ...args], { home });
  const snapshot = (host: string) => upperSnapshot(lab.host(host), (path) => RUNTIME.test(path));

  before(async () => {
    [pair, lab, project] = await Promise.all([remotePair(), startLab(HOSTS.map((name) => ({ name, cloudlet: true }))), packedProject()]);
    await deployCloudlet(lab);
    await Promise.all(lab.hosts.map((host) => startLibvirtd(host)));
    home = freshHome();
    dir = shippedPlaybooksDir(pair, HOSTS);
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lab.yml --check plans the base and the VMs and changes nothing', async () => {
    const before = HOSTS.map(snapshot);
    const run = await play('lab.yml', '--check');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const host of HOSTS) {
      const planned = statuses(run, host);
      assert.equal(planned.get('base#1'), 'would-change', host);
      assert.equal(planned.get('vm#1'), 'would-change', host);
    }
    assert.deepEqual(HOSTS.map((host, index) => snapshotChanges(before[index]!, snapshot(host))), HOSTS.map(() => []));
  });

  it('lab.yml puts the base and a resumed VM named after its host on each', async () => {
    const run = await play('lab.yml');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const host of HOSTS) {
      const applied = statuses(run, host);
      assert.deepEqual([applied.get('base#1'), applied.get('vm#1')], ['changed', 'changed'], host);
      const [vm] = JSON.parse(await inside(lab.host(host), 'su ops -c "cloudlet list --json"')) as { name: string; id: string }[];
      assert.equal(vm?.name, `web-${host}`);
      let log = '';
      for (let waited = 0; waited < 30_000 && !(lastCounters(log).custom > pair.savedCustom); waited += 250) {
        await sleep(250);
        log = readFileSync(join(lab.host(host).rootDir, `home/ops/.cloudlet/vms/${vm.id}/console.log`), 'latin1');
      }
      assert.ok(lastCounters(log).custom > pair.savedCustom && !/Linux version/.test(log), `${host}: the VM resumed where the overlay left it: ${JSON.stringify(lastCounters(log))}`);
    }
  });

  it('a second run changes nothing: every step unchanged, every file but the VMs runtime state byte-identical', async () => {
    const before = HOSTS.map(snapshot);
    const run = await play('lab.yml');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const host of HOSTS) {
      const changed = [...statuses(run, host)].filter(([, status]) => status !== 'unchanged' && status !== 'skipped');
      assert.deepEqual(changed, [], host);
    }
    assert.deepEqual(HOSTS.map((host, index) => snapshotChanges(before[index]!, snapshot(host))), HOSTS.map(() => []));
  });

  it('teardown.yml destroys the VMs and removes the base; a second run changes nothing', async () => {
    const run = await play('teardown.yml');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const host of HOSTS) {
      assert.deepEqual([...statuses(run, host).values()], ['changed', 'unchanged', 'changed'], host);
      assert.equal(await inside(lab.host(host), 'virsh -c qemu:///system list --all --name | sed "/^$/d"; find /home/ops/.cloudlet/vms /home/ops/.cloudlet/bases -mindepth 1'), '', `${host}: no domain, VM or base left`);
    }
    const again = await play('teardown.yml');
    assert.equal(again.code, 0, again.stderr);
    for (const host of HOSTS) assert.deepEqual([...statuses(again, host).values()], ['unchanged', 'unchanged', 'unchanged'], host);
    assert.deepEqual([...resultsByHost(again).values()].map((result) => result.status), ['ok', 'ok']);
  });
});
