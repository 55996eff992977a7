import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa } from 'execa';
import { createVmOverlay, keyFingerprint, SshConnectError, SshHostKeyError, SshScriptError, type SshScript } from '../../../sdk/customize/index.js';
import { buildBootableDisk, prepareLibvirtHost, readDataFile, type BootableDisk, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { virsh } from '../../fixtures/guest/index.js';
import { cloudlet, cloudletProcess } from '../cli/cli-harness.js';
import { freePort } from '../../fixtures/free-port.js';

/** Writes a file on the data partition and leaves a counter running that lives only in RAM. */
const SCRIPT = `set -e
echo via-ssh >/mnt/ssh.txt
sync
(n=500; while :; do n=$((n+1)); echo "SSHBG $n"; sleep 1; done) </dev/null >/dev/console 2>&1 &
echo started
echo to-stderr >&2
`;

describe('cloudlet overlay --ssh: a script over SSH through a forwarded port', () => {
  let host: LibvirtHost;
  let disk: BootableDisk;
  let env: { CLOUDLET_DIR: string };
  const script = (name: string) => join(host.scratch, name);

  before(async () => {
    host = await prepareLibvirtHost('ssh-');
    disk = await buildBootableDisk();
    env = { CLOUDLET_DIR: join(host.scratch, 'cloudlet') };
    // --ready tcp gives the base its network card and saves it once dropbear answers.
    const made = await cloudlet(['base', disk.path, '--ready', `tcp:${await freePort()}:22`, '--memory', '256', '--name', 'sshbase', '--json'], { env });
    assert.equal(made.code, 0, made.stderr);
    await writeFile(script('ok.sh'), SCRIPT);
    await writeFile(script('fails.sh'), 'echo partial >/mnt/partial.txt\necho "boom: it broke" >&2\nexit 7\n');
    await writeFile(script('hangs.sh'), 'echo waiting\nsleep 600\n');
  });

  after(async () => {
    try {
      for (const name of (await virsh('list', '--all', '--name')).stdout.split('\n')) if (name.startsWith('ssh-')) await virsh('destroy', name).catch(() => undefined);
    } finally {
      await host.release();
    }
  });

  /** Nothing of a failed or interrupted run is left: no domain, no staging directory, no overlay. */
  async function assertNothingLeft(name: string, output: string): Promise<void> {
    assert.ok(!(await virsh('list', '--all', '--name')).stdout.split('\n').includes(name), `domain ${name} is gone`);
    assert.deepEqual(await readdir(join(env.CLOUDLET_DIR, 'tmp')), []);
    await assert.rejects(stat(output), { code: 'ENOENT' });
  }

  const sshArgs = (port: number, file: string, hostKey = disk.ssh.hostKeyFingerprint) => [
    '--forward', `tcp:127.0.0.1:${port}:22`, '--ssh', `root@127.0.0.1:${port}`, '--ssh-key', disk.ssh.clientKey, '--host-key', hostKey, '--script', file,
  ];

  it('runs the script; its disk file and its background process survive synthesis', async (t) => {
    const output = join(host.scratch, 'ssh.overlay.zip');
    const run = await cloudlet(['overlay', 'sshbase', ...sshArgs(await freePort(), script('ok.sh')), '--wait-for', 'SSHBG 503', '--name', 'ssh-custom', '--output', output, '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const outputs = run.json.filter((event) => event.kind === 'script-output').map((event) => [event.stream, event.line]);
    assert.deepEqual(outputs, [['stdout', 'started'], ['stderr', 'to-stderr']]);
    t.diagnostic(run.json.filter((e) => e.kind === 'phase-end').map((e) => `${String(e.phase)} ${String(e.elapsedMs)} ms (${String(e.detail)})`).join(', '));

    const synthesized = await cloudlet(['synthesis', 'sshbase', output, '--name', 'ssh-vm', '--json'], { env });
    assert.equal(synthesized.code, 0, synthesized.stderr);
    const vm = (synthesized.json.at(-1) as { vm: { console: string; dir: string } }).vm;
    let counts: number[] = [];
    for (let waited = 0; counts.length < 2 && waited < 30_000; waited += 250) {
      await sleep(250);
      counts = (await readFile(vm.console, 'latin1')).split('\n').flatMap((line) => /^SSHBG (\d+)\r?$/.exec(line)?.slice(1).map(Number) ?? []);
    }
    assert.ok(counts.length >= 2 && counts[0]! > 503 && counts[0]! < 510, `the background counter went on after the restore: ${counts.join(' ')}`);
    assert.ok(!(await readFile(vm.console, 'latin1')).includes('GUEST-BOOTED'), 'resumed, not booted');
    assert.equal(await readDataFile(join(vm.dir, 'disk.qcow2'), '/ssh.txt'), 'via-ssh');
    assert.equal((await cloudlet(['destroy', 'ssh-vm'], { env })).code, 0);
  });

  it('a script exiting non-zero: a typed error with its exit code and stderr, exit 1, nothing left', async () => {
    const output = join(host.scratch, 'fails.overlay.zip');
    const port = await freePort();
    const knownHosts = join(host.scratch, 'known_hosts');
    await writeFile(knownHosts, `[127.0.0.1]:${port} ${disk.ssh.hostPublicKey}\n`);
    const ssh: SshScript = { target: { user: 'root', host: '127.0.0.1', port }, identityFile: disk.ssh.clientKey, hostKey: { knownHostsFile: knownHosts }, scriptFile: script('fails.sh') };
    await assert.rejects(
      createVmOverlay('sshbase', { ssh, until: { kind: 'delay', ms: 0 } }, { cloudletDir: env.CLOUDLET_DIR, output, name: 'ssh-fails', forwards: [{ protocol: 'tcp', hostPort: port, guestPort: 22 }] }),
      (error: unknown) => error instanceof SshScriptError && error.exitCode === 7 && error.stderrTail.includes('boom: it broke'),
    );
    await assertNothingLeft('ssh-fails', output);

    const run = await cloudlet(['overlay', 'sshbase', ...sshArgs(await freePort(), script('fails.sh')), '--name', 'ssh-fails-cli', '--output', output], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /exited with code 7 .*boom: it broke/);
    assert.match(run.stdout, /^script! boom: it broke$/m);
    await assertNothingLeft('ssh-fails-cli', output);
  });

  it('a guest whose host key is not the pinned one is refused before anything runs', async () => {
    const output = join(host.scratch, 'wrong-key.overlay.zip');
    const wrong = keyFingerprint(randomBytes(51).toString('base64'));
    const port = await freePort();
    const ssh: SshScript = { target: { user: 'root', host: '127.0.0.1', port }, identityFile: disk.ssh.clientKey, hostKey: { fingerprint: wrong }, scriptFile: script('ok.sh') };
    await assert.rejects(
      createVmOverlay('sshbase', { ssh, until: { kind: 'delay', ms: 0 } }, { cloudletDir: env.CLOUDLET_DIR, output, name: 'ssh-wrong-key', forwards: [{ protocol: 'tcp', hostPort: port, guestPort: 22 }] }),
      (error: unknown) => error instanceof SshHostKeyError && error.expected === wrong && error.offered.includes(disk.ssh.hostKeyFingerprint),
    );
    await assertNothingLeft('ssh-wrong-key', output);

    const run = await cloudlet(['overlay', 'sshbase', ...sshArgs(await freePort(), script('ok.sh'), wrong), '--name', 'ssh-wrong-key-cli', '--output', output], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /host key of root@127\.0\.0\.1:\d+ does not match/);
    assert.doesNotMatch(run.stdout, /^script/m, 'the script never ran');
    await assertNothingLeft('ssh-wrong-key-cli', output);
  });

  it('no sshd behind the forwarded port: a typed connection error once the wait runs out, nothing left', async () => {
    const output = join(host.scratch, 'no-sshd.overlay.zip');
    const port = await freePort();
    const ssh: SshScript = { target: { user: 'root', host: '127.0.0.1', port }, identityFile: disk.ssh.clientKey, hostKey: { fingerprint: disk.ssh.hostKeyFingerprint }, scriptFile: script('ok.sh'), connectTimeoutMs: 3_000 };
    // Guest port 23: QEMU accepts the connection on the host, the guest refuses it.
    await assert.rejects(
      createVmOverlay('sshbase', { ssh, until: { kind: 'delay', ms: 0 } }, { cloudletDir: env.CLOUDLET_DIR, output, name: 'ssh-no-sshd', forwards: [{ protocol: 'tcp', hostPort: port, guestPort: 23 }] }),
      (error: unknown) => error instanceof SshConnectError && error.attempts >= 2 && error.waitedMs >= 3_000,
    );
    await assertNothingLeft('ssh-no-sshd', output);
  });

  it('Ctrl-C while the script runs kills ssh and cleans up', async () => {
    const output = join(host.scratch, 'interrupted.overlay.zip');
    const port = await freePort();
    const run = await cloudletProcess(['overlay', 'sshbase', ...sshArgs(port, script('hangs.sh')), '--name', 'ssh-interrupted', '--output', output], env, /^script: waiting$/m);
    assert.equal(run.code, 130, run.stderr);
    await assertNothingLeft('ssh-interrupted', output);
    const left = await execa('pgrep', ['-f', `-p ${port} -l root`], { reject: false });
    assert.equal(left.stdout, '', 'no ssh process is left');
  });
});
