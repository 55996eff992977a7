// `install` and `check` on real Debian hosts over real SSH, with apt really running inside
// the hosts, run as a user runs them: `npx cloudlet-tasks` in a fresh CommonJS project that
// installed the packed package (no compiler on its PATH). A full install under a held dpkg lock
// and a full disk, a re-run that continues, a run that changes nothing, a dry run, a host without
// sudo rights, a planted upload path, and the ownership and modes of what was deployed.
import assert from 'node:assert/strict';
import { lstatSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { inside, startLab, upperSnapshot, type Lab, type TestHost } from '../../fixtures/hosts/index.js';
import { packedProject, type PackedProject } from '../../fixtures/packed-package.js';
import { freshHome, resultsByHost, type CliRun } from '../../fixtures/run-cli.js';

const IGNORED = new Set(['var/log', 'var/cache/debconf', 'home/ops/.cache']);

const snapshot = (host: TestHost): Map<string, string> => upperSnapshot(host, (path) => IGNORED.has(path));

function steps(run: CliRun, host: string): Record<string, string> {
  return (resultsByHost(run).get(host)!.value as { steps: Record<string, string> }).steps;
}

describe('install and check on real hosts', () => {
  let lab: Lab;
  let home: string;
  let project: PackedProject;
  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliRun> => project.npx(['--json', '-F', lab.sshConfigFile, ...args], { home, env });
  before(async () => {
    [lab, project] = await Promise.all([startLab([{ name: 'fresh' }, { name: 'dry' }, { name: 'nosudo', sudo: 'none' }]), packedProject()]);
    home = freshHome();
  });
  after(async () => {
    await lab?.stop();
    project?.remove();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('installed into a fresh project without building any native addon', () => {
    const manifest = JSON.parse(readFileSync(join(project.dir, 'package.json'), 'utf8')) as { type?: string };
    assert.notEqual(manifest.type, 'module', 'npm init -y makes a CommonJS project');
    const built = readdirSync(join(project.dir, 'node_modules'), { recursive: true }).filter((path) => String(path).endsWith('.node'));
    assert.deepEqual(built, [], 'the operator side compiles nothing');
    for (const addon of ['lzma-native', 'zstd-napi', '@unraid/libvirt']) assert.throws(() => lstatSync(join(project.dir, 'node_modules', addon)), addon);
  });

  it('plans under --dry-run without changing a single file', async () => {
    const dry = lab.host('dry');
    const before = snapshot(dry);
    const run = await cli(['-H', 'dry', '--dry-run', 'install']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const planned = steps(run, 'dry');
    assert.equal(planned['packages'], 'would-change');
    assert.equal(planned['fuse'], 'would-change');
    assert.equal(planned['deploy-sdk'], 'would-change');
    assert.deepEqual(snapshot(dry), before);
  });

  it('check reports a host that is not set up and fails it', async () => {
    const run = await cli(['-H', 'dry', 'check']);
    assert.equal(run.code, 4);
    const error = resultsByHost(run).get('dry')!.error!;
    assert.equal(error['name'], 'HostNotReadyError');
  });

  it('stops a host on a full disk or refused sudo, keeps the others going, and continues on re-run', async () => {
    const fresh = lab.host('fresh');
    // A held dpkg lock (fcntl, as apt takes it) and a 1 MiB file system where the SDK goes.
    const hold = fresh.exec([
      'perl',
      '-e',
      'use Fcntl; open(my $f, ">>", "/var/lib/dpkg/lock-frontend") or die; fcntl($f, F_SETLKW, pack("s s x4 q q i x4", F_WRLCK, 0, 0, 0, 0)) or die; open(my $m, ">", "/tmp/locked"); close $m; sleep 6;',
    ]);
    for (let i = 0; i < 100 && (await fresh.exec(['test', '-e', '/tmp/locked'])).exitCode !== 0; i += 1) await new Promise((r) => setTimeout(r, 100));
    await inside(fresh, 'mkdir -p /opt/cloudlet-tasks && mount -t tmpfs -o size=1m tmpfs /opt/cloudlet-tasks');

    // --min-disk-gb 0 lets preflight pass, so the full disk is met where the SDK is written.
    let leftover = '';
    const password = { CLOUDLET_SUDO_PASSWORD: lab.host('nosudo').password };
    const first = await cli(['-H', 'fresh,nosudo', 'install', '--min-disk-gb', '0'], password).finally(async () => {
      leftover = await inside(fresh, 'ls -A /opt/cloudlet-tasks; ls -A /tmp | grep -c "cloudlet-upload\\|^tmp\\." || true');
      await inside(fresh, 'umount /opt/cloudlet-tasks');
    });
    assert.equal(leftover, '0', 'nothing half-written is left');
    await hold;
    assert.equal(first.code, 4, first.stdout + first.stderr);
    const freshError = resultsByHost(first).get('fresh')!.error!;
    assert.equal(freshError['name'], 'StepError');
    assert.equal(freshError['step'], 'deploy-sdk');
    assert.match(String(freshError['message']), /No space left on device/);
    assert.ok(first.events.some((e) => e.type === 'output' && e['host'] === 'fresh' && /lock/i.test(String(e['line']))), 'apt waited for the dpkg lock');
    assert.equal(first.events.filter((e) => e.type === 'host-end').length, 2);
    const refused = resultsByHost(first).get('nosudo')!.error!;
    assert.equal(refused['step'], 'packages');
    assert.match(String(refused['message']), /may not run commands with sudo/);

    // Another host user plants the upload path an earlier version used (0666, theirs); uploads now go to a
    // fresh private directory, so the planted file neither receives the bundle nor stops the install.
    await inside(fresh, 'setpriv --reuid=65534 --regid=65534 --clear-groups sh -c "umask 0; : > /tmp/cloudlet-bundle-planted.tar.gz; mkdir /tmp/cloudlet-upload.planted"');
    const second = await cli(['-H', 'fresh', 'install']);
    assert.equal(await inside(fresh, 'stat -c "%U %a %s" /tmp/cloudlet-bundle-planted.tar.gz'), 'nobody 666 0');
    assert.equal(await inside(fresh, 'ls -A /tmp/cloudlet-upload.planted | wc -l; ls -d /tmp/cloudlet-upload.* | wc -l'), '0\n1', 'only the planted directory is left, empty');
    assert.equal(second.code, 0, second.events.filter((e) => e.type === 'output').map((e) => e['line']).join('\n'));
    assert.deepEqual(steps(second, 'fresh'), {
      preflight: 'unchanged',
      packages: 'unchanged',
      apparmor: 'skipped',
      groups: 'unchanged',
      fuse: 'unchanged',
      ept: 'skipped',
      libvirt: 'skipped',
      'deploy-sdk': 'changed',
      server: 'skipped',
      verify: 'unchanged',
    });
  });

  it('left the host set up: packages, groups, FUSE, udev rule, and the deployed cloudlet', async () => {
    const fresh = lab.host('fresh');
    const status = await inside(fresh, "dpkg-query -W -f='${Package}=${db:Status-Abbrev}\\n' qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients fuse xz-utils");
    for (const line of status.split('\n')) assert.match(line, /=ii\s*$/, line);
    const groups = (await inside(fresh, 'id -nG ops')).split(' ');
    assert.ok(groups.includes('kvm') && groups.includes('libvirt') && groups.includes('libvirt-qemu'), groups.join(' '));
    assert.match(await inside(fresh, 'cat /etc/fuse.conf'), /^user_allow_other$/m);
    assert.equal(await inside(fresh, 'stat -c %a /etc/fuse.conf'), '644');
    assert.equal(await inside(fresh, 'cat /etc/udev/rules.d/60-cloudlet-fuse.rules'), 'KERNEL=="fuse", MODE="0666"');
    assert.equal((await fresh.exec(['test', '-e', '/etc/modprobe.d/cloudlet-kvm-intel.conf'])).exitCode, 1, 'EPT stays on: kernel >= 3.13, not asked');
    const version = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version as string;
    assert.equal(await inside(fresh, 'su ops -c "cloudlet --version"'), version);
  });

  it('deployed root-owned files that no other user can change', async () => {
    const fresh = lab.host('fresh');
    const loose = await inside(fresh, 'find /opt/cloudlet-tasks /usr/local/bin/cloudlet ! -type l \\( ! -user root -o ! -group root -o -perm /022 \\) | head -5');
    assert.equal(loose, '', `owned by someone else or group/world-writable:\n${loose}`);
    assert.equal(await inside(fresh, 'stat -c "%U:%G %a" /usr/local/bin/cloudlet /opt/cloudlet-tasks/current/runtime/bin/node'), 'root:root 755\nroot:root 755');
    // The addons were built on the host for the host, and the shipped runtime loads them.
    const addons = await inside(fresh, 'find /opt/cloudlet-tasks/current/node_modules -path "*/build/Release/*.node" | sort');
    assert.match(addons, /@unraid\/libvirt\/build\/Release\/libvirt\.node/);
    assert.match(addons, /zstd-napi\/build\/Release\/binding\.node/);
  });

  it('changes nothing on a second full run, and says so for every step', async () => {
    const fresh = lab.host('fresh');
    const before = snapshot(fresh);
    const run = await cli(['-H', 'fresh', 'install']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    for (const [step, status] of Object.entries(steps(run, 'fresh'))) assert.ok(status === 'unchanged' || status === 'skipped', `${step}: ${status}`);
    const stepEvents = run.events.filter((e) => e.type === 'step' && e['verdict'] === false && /^(unchanged|skipped|changed)$/.test(String(e['status'])));
    assert.equal(stepEvents.length, 8, 'every changing step says unchanged or skipped');
    const verdicts = run.events.filter((e) => e.type === 'step' && e['verdict'] === true && /^(Preflight: Debian GNU\/Linux 12|Verify: (NOT )?READY)/.test(`${String(e['title'])}: ${String(e['detail'])}`));
    assert.equal(verdicts.length, 2, 'preflight and verify report as verdicts');
    assert.deepEqual(snapshot(fresh), before);
  });

  it("runs the user's TypeScript task file in that CommonJS project, against the host", async () => {
    writeFileSync(
      join(project.dir, 'cloudlet-tasks.ts'),
      [
        "import { defineTask, sh } from 'cloudlet-tasks/tasks';",
        'export const cloudletVersion = defineTask({',
        "  name: 'cloudlet-version',",
        "  help: 'the deployed cloudlet version, as the VM user',",
        "  options: { 'vm-user': { type: 'string', default: 'ops' } },",
        '  async body(ctx) {',
        "    return (await ctx.sudo(sh`cloudlet --version`, { user: ctx.options['vm-user'] })).stdout.trim();",
        '  },',
        '});',
        '',
      ].join('\n'),
    );
    const run = await cli(['-H', 'fresh', 'cloudlet-version']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const version = JSON.parse(readFileSync(new URL('../../../../package.json', import.meta.url), 'utf8')).version as string;
    assert.equal(resultsByHost(run).get('fresh')!.value, version);
  });

  it('check runs the deployed doctor and names what is missing', async () => {
    const run = await cli(['-H', 'fresh', 'check']);
    const error = resultsByHost(run).get('fresh')!.error!;
    // No libvirtd runs inside the test host (no init system there), so the host is honestly not ready.
    assert.equal(run.code, 4);
    assert.match(String(error['message']), /libvirt/);
    const verify = run.events.find((e) => e.type === 'step' && e['step'] === 'verify');
    const said = JSON.stringify(verify);
    assert.match(`${String(verify?.['title'])}: ${String(verify?.['detail'])}`, /^Verify: NOT READY: libvirt: libvirt 9\.0\.0; daemon not reachable.* — start it.*libvirtd.* \((TCG|KVM)\)$/, said);
    const details = (verify?.['details'] ?? []) as string[];
    assert.ok(details.some((line) => /^ok {4}qemu +QEMU 7\.2/.test(line)), said);
    assert.ok(details.some((line) => /^FAIL {2}libvirt +libvirt 9\.0\.0; daemon not reachable/.test(line)), said);
  });
});
