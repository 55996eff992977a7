// The remote SDK from the operator's seat, as a user runs it (`npx cloudlet-tasks` in a fresh
// project that installed the packed package) against two real cloudlet hosts: the install task's
// packages, the SDK deployed by the real install, and a libvirtd running inside each host. A base
// and an overlay made on this machine go out with push-base and synthesis; the VMs resume inside
// the hosts (their RAM counters go on); vms lists them, destroy removes them. Then the faults: an
// upload killed half-way and resumed, a byte flipped in a partial upload, Ctrl-C during a remote
// synthesis, an overlay for another base, an unknown base, a host that runs another build.
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { deployCloudlet, inside, lastCounters, remotePair, startLab, startLibvirtd, type Lab, type RemotePair, type TestHost } from '../../fixtures/hosts/index.js';
import { packedProject, type PackedProject } from '../../fixtures/packed-package.js';
import { freshHome, resultsByHost, type CliOptions, type CliRun } from '../../fixtures/run-cli.js';
import { mountsBelow } from '../../fixtures/hosts/mounts.js';
import { craftPackage } from '../../sdk/synthesis/crafted-overlay.js';

const UPLOADS = '.cache/cloudlet-tasks/uploads';

/** What the host has of VMs: libvirt domains, VM directories, QEMU processes. */
async function vmTraces(host: TestHost): Promise<string> {
  return inside(host, `virsh -c qemu:///system list --all --name | sed '/^$/d'; ls -A /home/${host.user}/.cloudlet/vms 2>/dev/null; pgrep -a qemu || true`);
}

/**
 * A run stopped by Ctrl-C (SIGINT to the whole process group, as a terminal sends it): the runner
 * finished its abort path (its run-end event is out; it exits 130), while npx, which got the same
 * SIGINT, may end by the signal itself.
 */
function assertInterrupted(run: CliRun): void {
  assert.ok(run.code === 130 || run.code === null, `exit ${run.code}: ${run.stderr}`);
  assert.ok(run.events.some((e) => e.type === 'run-end'), `the runner ended its run:\n${run.stdout.slice(-2000)}`);
}

/** The processes in the host's PID namespace, seen from this machine: pid and command name. */
function processesInside(host: TestHost): { pid: number; comm: string }[] {
  const ns = readlinkSync(`/proc/${host.pid}/ns/pid`);
  const read = (path: string): string => {
    try {
      return path.endsWith('/ns/pid') ? readlinkSync(path) : readFileSync(path, 'utf8').trim();
    } catch {
      return '';
    }
  };
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry) && read(`/proc/${entry}/ns/pid`) === ns)
    .map((entry) => ({ pid: Number(entry), comm: read(`/proc/${entry}/comm`) }));
}

function value<T>(run: CliRun, host: string): T {
  const result = resultsByHost(run).get(host);
  assert.equal(result?.status, 'ok', `${host}: ${JSON.stringify(result?.error ?? result)}\n${run.stderr}`);
  return result!.value as T;
}

describe('the remote SDK from one seat: push-base, synthesis, vms, destroy on real cloudlet hosts', () => {
  let lab: Lab;
  let pair: RemotePair;
  let project: PackedProject;
  let home: string;
  let work: string;
  const cli = (args: string[], options: CliOptions = {}): Promise<CliRun> => project.npx(['--json', '-F', lab.sshConfigFile, ...args], { home, ...options });

  before(async () => {
    [pair, lab, project] = await Promise.all([remotePair(), startLab([{ name: 'c1', cloudlet: true }, { name: 'c2', cloudlet: true }]), packedProject()]);
    await deployCloudlet(lab);
    await Promise.all(lab.hosts.map((host) => startLibvirtd(host)));
    home = freshHome();
    work = mkdtempSync(join(tmpdir(), 'clt-remote-'));
  });
  after(async () => {
    await lab?.stop();
    project?.remove();
    for (const dir of [home, work]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pushes the base to both hosts, and a second run sends nothing', async () => {
    const size = statSync(pair.baseArchive).size;
    const first = await cli(['-H', 'c1,c2', 'push-base', pair.baseArchive]);
    assert.equal(first.code, 0, first.stdout.slice(-3000) + first.stderr);
    for (const host of ['c1', 'c2']) {
      const pushed = value<{ base: string; status: string; upload: { sentBytes: number } }>(first, host);
      assert.deepEqual([pushed.base, pushed.status, pushed.upload.sentBytes], [pair.baseId, 'imported', size]);
      assert.equal(await inside(lab.host(host), `ls -A /home/ops/${UPLOADS}`), '', 'the uploaded archive is removed after the import');
    }
    const uploads = first.events.filter((e) => e.type === 'progress' && (e['progress'] as { phase?: string }).phase === 'upload');
    assert.ok(uploads.length > 0, 'upload progress streamed to the operator');
    assert.ok(first.events.some((e) => e.type === 'progress' && (e['progress'] as { phase?: string; v?: number }).phase === 'verify'), "the host's import-base progress streamed back");

    const again = await cli(['-H', 'c1,c2', 'push-base', pair.baseArchive]);
    assert.equal(again.code, 0, again.stderr);
    for (const host of ['c1', 'c2']) assert.equal(value<{ status: string }>(again, host).status, 'present');
    assert.equal(again.events.filter((e) => e.type === 'progress').length, 0, 'nothing uploaded, nothing imported');

    const bases = await project.npx(['-F', lab.sshConfigFile, '-H', 'c1,c2', 'bases'], { home });
    assert.equal(bases.code, 0, bases.stderr);
    assert.match(bases.stdout, new RegExp(`HOST +ID +NAME[^\\n]*\\nc1 +${pair.baseId.slice(0, 12)} +tiny[^\\n]*\\nc2 +${pair.baseId.slice(0, 12)} +tiny`));
  });

  it('synthesizes the overlay on both hosts under {host} names: each VM resumes where the overlay left it', async () => {
    const run = await cli(['-H', 'c1,c2', 'synthesis', pair.baseId.slice(0, 12), pair.overlay, '--name', 'app-{host}']);
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const host of ['c1', 'c2']) {
      const vm = value<{ name: string; id: string; resumedMs: number; console: string; upload: { sentBytes: number } }>(run, host);
      assert.equal(vm.name, `app-${host}`);
      assert.match(vm.id, /^[0-9a-f]{12}$/);
      assert.ok(vm.resumedMs > 0 && vm.upload.sentBytes === statSync(pair.overlay).size);
      let log = '';
      for (let waited = 0; waited < 30_000 && !(lastCounters(log).custom > pair.savedCustom + 1); waited += 250) {
        await sleep(250);
        log = readFileSync(join(lab.host(host).rootDir, vm.console), 'latin1');
      }
      const first = Number(/^COUNTER (\d+) UPTIME/m.exec(log)?.[1]);
      const last = lastCounters(log);
      assert.ok(!/Linux version|GUEST-BOOTED/.test(log), 'resumed, not booted');
      assert.ok(first > pair.savedCounter && first <= pair.savedCounter + 3, `COUNTER went on from ${pair.savedCounter}: ${first}`);
      assert.ok(last.custom > pair.savedCustom, `the RAM-only CUSTOM counter went on from ${pair.savedCustom}: ${last.custom}`);
    }
    assert.ok(run.events.some((e) => e.type === 'progress' && e['host'] === 'c2' && (e['progress'] as { kind: string }).kind === 'console'), "the host's synthesis events reach the operator with the host added");
  });

  it('lists the VMs of both hosts in one table, then destroy removes them', async () => {
    const listed = await cli(['-H', 'c1,c2', 'vms']);
    assert.equal(listed.code, 0, listed.stderr);
    for (const host of ['c1', 'c2']) assert.deepEqual(value<Array<{ name: string; state: string }>>(listed, host).map((vm) => [vm.name, vm.state]), [[`app-${host}`, 'running']]);
    const table = await project.npx(['-F', lab.sshConfigFile, '-H', 'c1,c2', 'vms'], { home });
    assert.match(table.stdout, /HOST +NAME +ID +STATE +BASE +AGE\nc1 +app-c1 +[0-9a-f]{12} +running +[0-9a-f]{12} +\d+[smhd]\nc2 +app-c2 /);

    const destroyed = await cli(['-H', 'c1,c2', 'destroy', 'app-{host}']);
    assert.equal(destroyed.code, 0, destroyed.stderr);
    for (const host of ['c1', 'c2']) assert.equal(await vmTraces(lab.host(host)), '');
    const empty = await cli(['-H', 'c1,c2', 'vms']);
    for (const host of ['c1', 'c2']) assert.deepEqual(value(empty, host), []);
  });

  it('resumes an upload killed half-way, and starts over from a partial upload with a flipped byte', async () => {
    const c1 = lab.host('c1');
    assert.equal((await cli(['-H', 'c1', 'del-base', pair.baseId])).code, 0);
    const size = statSync(pair.baseArchive).size;
    const halfWay = (e: Record<string, unknown>): boolean => e.type === 'progress' && (e['progress'] as { kind: string; done?: number }).kind === 'bytes' && ((e['progress'] as { done: number }).done > size / 3);
    // SIGKILL of the whole operator process group: the connection is cut as by a network failure.
    const killed = await cli(['-H', 'c1', 'push-base', pair.baseArchive, '--limit-rate', '4M'], { interrupt: { when: halfWay, signal: 'SIGKILL' } });
    assert.notEqual(killed.code, 0);
    const partial = join(c1.rootDir, `home/ops/${UPLOADS}/${pair.baseId}.zip.part`);
    const kept = statSync(partial).size;
    assert.ok(kept > 0 && kept < size, `a partial upload of ${kept} of ${size} bytes is kept`);
    assert.equal(await inside(c1, 'su ops -c "cloudlet list-base --json"'), '[]', 'nothing half-imported is listed');

    const resumed = await cli(['-H', 'c1', 'push-base', pair.baseArchive]);
    assert.equal(resumed.code, 0, resumed.stdout.slice(-2000) + resumed.stderr);
    const pushed = value<{ status: string; upload: { resumedFrom: number; sentBytes: number } }>(resumed, 'c1');
    assert.equal(pushed.status, 'imported');
    assert.ok(pushed.upload.resumedFrom > 0, `resumed from byte ${pushed.upload.resumedFrom}`);
    assert.equal(pushed.upload.sentBytes, size - pushed.upload.resumedFrom);

    // A byte flipped inside what was already sent: found before resuming, the upload starts over.
    assert.equal((await cli(['-H', 'c1', 'del-base', pair.baseId])).code, 0);
    const again = await cli(['-H', 'c1', 'push-base', pair.baseArchive, '--limit-rate', '4M'], { interrupt: { when: halfWay, signal: 'SIGINT' } });
    assertInterrupted(again);
    const bytes = readFileSync(partial);
    bytes[Math.floor(bytes.length / 2)]! ^= 0xff;
    writeFileSync(partial, bytes);
    const restarted = await cli(['-H', 'c1', 'push-base', pair.baseArchive]);
    assert.equal(restarted.code, 0, restarted.stdout.slice(-2000) + restarted.stderr);
    const clean = value<{ status: string; upload: { resumedFrom: number; sentBytes: number } }>(restarted, 'c1');
    assert.deepEqual([clean.status, clean.upload.resumedFrom, clean.upload.sentBytes], ['imported', 0, size]);
    assert.ok(restarted.events.some((e) => e.type === 'progress' && (e['progress'] as { kind: string }).kind === 'warning'), 'the operator is told the partial upload was damaged');
  });

  it('Ctrl-C during a remote synthesis leaves no domain and no files on the host', async () => {
    const c1 = lab.host('c1');
    const applying = (e: Record<string, unknown>): boolean => e.type === 'progress' && e['host'] === 'c1' && (e['progress'] as { kind: string; phase?: string }).kind === 'phase-start' && ['apply', 'restore'].includes((e['progress'] as { phase: string }).phase);
    const run = await cli(['-H', 'c1', 'synthesis', pair.baseId, pair.overlay, '--name', 'cut'], { interrupt: { when: applying } });
    assertInterrupted(run);
    const error = resultsByHost(run).get('c1')?.error;
    assert.equal(error?.['code'], 'command-interrupted', JSON.stringify(error));
    assert.equal(await vmTraces(c1), '', 'no domain, VM directory or QEMU left');
    assert.equal(await inside(c1, `ls -A /home/ops/.cloudlet/tmp`), '', 'no scratch files left');
  });

  // As the non-root VM user: the save image and the base disk shared with QEMU stay readable to it.
  it('customizes a VM on one host and fetches its overlay, which another host then resumes', async () => {
    const script = join(work, 'remote-custom.sh');
    writeFileSync(script, '(n=500; while :; do n=$((n+1)); echo "REMOTE $n"; sleep 1; done) &\n');
    const fetched = join(work, 'fetched-{host}.zip');
    const made = await cli(['-H', 'c1', 'overlay', pair.baseId.slice(0, 12), '--script', script, '--fetch', fetched, '--', '--wait-for', 'REMOTE 503']);
    assert.equal(made.code, 0, JSON.stringify(resultsByHost(made).get('c1')?.error) + made.stderr);
    const overlay = value<{ path: string; base: string; bytes: number }>(made, 'c1');
    assert.deepEqual([overlay.path, overlay.base, overlay.bytes], [join(work, 'fetched-c1.zip'), pair.baseId, statSync(join(work, 'fetched-c1.zip')).size]);
    assert.equal(statSync(overlay.path).mode & 0o777, 0o600, 'the fetched overlay is private');
    assert.ok(made.events.some((e) => e.type === 'progress' && (e['progress'] as { phase?: string }).phase === 'encode'), "the host's overlay progress streamed back");
    assert.equal(await inside(lab.host('c1'), 'ls /tmp | grep -c cloudlet-overlay || true'), '0', 'the host keeps nothing');
    assert.equal(await vmTraces(lab.host('c1')), '');
    assert.equal(await inside(lab.host('c1'), 'stat -c %U:%G:%a /home/ops/.cloudlet/bases/*/disk.raw'), 'ops:libvirt-qemu:640', "the base's disk is still its owner's, shared read-only with QEMU's group");

    const run = await cli(['-H', 'c2', 'synthesis', pair.baseId, overlay.path, '--name', 'from-c1']);
    assert.equal(run.code, 0, run.stdout.slice(-2000) + run.stderr);
    const vm = value<{ console: string }>(run, 'c2');
    let log = '';
    for (let waited = 0; waited < 30_000 && !/^REMOTE 50[5-9]\r?$/m.test(log); waited += 250) {
      await sleep(250);
      log = readFileSync(join(lab.host('c2').rootDir, vm.console), 'latin1');
    }
    const first = Number(/^REMOTE (\d+)\r?$/m.exec(log)?.[1]);
    assert.ok(first > 503 && first <= 506 && !/Linux version/.test(log), `the RAM-only REMOTE counter went on from 503: ${first}`);
    assert.equal((await cli(['-H', 'c2', 'destroy', 'from-c1'])).code, 0);
  });

  it('runs cloudlet as another VM user through sudo -u, handing uploads over as files of that user', async () => {
    const c2 = lab.host('c2');
    await inside(c2, 'useradd -m -G libvirt,kvm vmrunner');
    const pushed = await cli(['-H', 'c2', 'push-base', pair.baseArchive, '--vm-user', 'vmrunner']);
    assert.equal(pushed.code, 0, pushed.stdout.slice(-2000) + pushed.stderr);
    assert.equal(value<{ status: string }>(pushed, 'c2').status, 'imported');
    assert.equal(await inside(c2, 'stat -c %U /home/vmrunner/.cloudlet/bases/*/base.json'), 'vmrunner');
    const bases = await cli(['-H', 'c2', 'bases', '--vm-user', 'vmrunner']);
    assert.deepEqual(value<Array<{ id: string }>>(bases, 'c2').map((base) => base.id), [pair.baseId]);
    assert.equal(await inside(c2, 'find /tmp /var/tmp -user vmrunner | wc -l'), '0', 'the handed-over copy is gone');
  });

  it('refuses an overlay for another base before uploading it, and names the bases a host has', async () => {
    const other = join(work, 'other.zip');
    await craftPackage(other, { baseVmId: 'ab'.repeat(32), diskSize: 4096, memorySize: 4096, blobs: [] });
    const wrong = await cli(['-H', 'c1', 'synthesis', pair.baseId, other, '--name', 'x']);
    const error = resultsByHost(wrong).get('c1')?.error;
    assert.equal(error?.['code'], 'remote-overlay-wrong-base', JSON.stringify(error));
    assert.equal(wrong.events.filter((e) => e.type === 'progress').length, 0, 'nothing was uploaded');

    const unknown = await cli(['-H', 'c1', 'synthesis', 'no-such-base', pair.overlay, '--name', 'x']);
    const missing = resultsByHost(unknown).get('c1')?.error;
    assert.equal(missing?.['code'], 'remote-base-unknown');
    assert.match(String(missing?.['message']), new RegExp(`has no base 'no-such-base'; it has ${pair.baseId.slice(0, 12)} \\(tiny\\)`));
  });

  it('fails a host that runs another build of the SDK, saying to run install', async () => {
    const c2 = lab.host('c2');
    const bundle = join(c2.rootDir, 'opt/cloudlet-tasks/current/BUNDLE');
    const key = readFileSync(bundle, 'utf8');
    const saved = join(work, 'BUNDLE');
    copyFileSync(bundle, saved);
    try {
      writeFileSync(bundle, '0.0.1-x64-0000000000000000\n');
      const run = await cli(['-H', 'c2', 'vms']);
      const error = resultsByHost(run).get('c2')?.error;
      assert.equal(error?.['code'], 'remote-cloudlet-version');
      assert.match(String(error?.['message']), /runs cloudlet 0\.0\.1-x64-0000000000000000 but this operator has .*; run `cloudlet-tasks -H c2 install`/);
    } finally {
      copyFileSync(saved, bundle);
      chmodSync(bundle, 0o644);
    }
    assert.equal(readFileSync(bundle, 'utf8'), key);
    assert.ok(existsSync(bundle));
  });
  it('stopping the hosts kills their daemons and a running VM, and leaves nothing on this machine', async () => {
    const run = await cli(['-H', 'c2', 'synthesis', pair.baseId, pair.overlay, '--name', 'left-running']);
    assert.equal(run.code, 0, JSON.stringify(resultsByHost(run).get('c2')?.error) + run.stderr);
    const inside = lab.hosts.flatMap(processesInside);
    for (const daemon of ['libvirtd', 'virtlogd']) assert.ok(inside.some((p) => p.comm === daemon), `${daemon} runs inside the hosts`);
    assert.ok(inside.some((p) => p.comm.startsWith('qemu')), 'a VM runs when the hosts stop');
    const dir = lab.dir;
    await lab.stop();
    const read = (pid: number): string => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      } catch {
        return '';
      }
    };
    assert.deepEqual(inside.filter((p) => read(p.pid) === p.comm), [], 'no process of the hosts survives them');
    assert.deepEqual(mountsBelow(dir), []);
    assert.equal(existsSync(dir), false);
  });
});
