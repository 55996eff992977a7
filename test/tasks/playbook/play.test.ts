// `cloudlet-tasks play` on real hosts over real SSH: a playbook of file and run steps applied
// to three hosts, a second run that changes nothing and leaves the files byte-identical,
// --check and --diff that change nothing, --only, a failing host that stops the later batches
// (serial 1, max_fail_percentage 0), and the same playbook written in TypeScript.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli, type CliRun } from '../../fixtures/run-cli.js';

const HOSTS = ['p1', 'p2', 'p3'];
const FILES = ['/etc/motd', '/etc/lab/site.conf', '/home/ops/stamp', '/etc/lab/secret.key'];
const INDEX = fileURLToPath(new URL('../../../tasks/index.js', import.meta.url));

function playbook(motd: string, extra = ''): string {
  return `# yaml-language-server: $schema=playbook.schema.json
name: lab-a
hosts: ${HOSTS.join(',')}
vars: { site: lab-a, owner: ops }
steps:
  - name: motd
    file: { path: /etc/motd, content: "${motd}\\n", mode: "0644" }
  - file: { path: /etc/lab/site.conf, template: site.conf.in, mode: "0640", owner: "{owner}" }
  - file: { path: /etc/lab/secret.key, content: "s3cr3t-{host}\\n", mode: "0600", secret: true }
  - run: { command: "date +%s%N > /home/ops/stamp", creates: /home/ops/stamp }
  - run: { command: "echo once >> /home/ops/log", unless: "grep -q once /home/ops/log" }
${extra}`;
}

function steps(run: CliRun, host: string): Map<string, string> {
  return new Map(run.events.filter((e) => e.type === 'step' && e['host'] === host).map((e) => [e['step'] as string, e['status'] as string]));
}

describe('play: a playbook on real hosts', () => {
  let lab: Lab;
  let dir: string;
  const play = (args: string[]): Promise<CliRun> => runCli(['--json', '-F', lab.sshConfigFile, 'play', ...args]);
  /** Every managed file of a host: content hash, mode, owner. */
  const state = (host: string): string[] =>
    FILES.map((file) => {
      const path = join(lab.host(host).rootDir, file);
      const info = statSync(path);
      return `${file} ${(info.mode & 0o7777).toString(8)} ${info.uid}:${info.gid} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    });

  before(async () => {
    lab = await startLab(HOSTS.map((name) => ({ name })));
    dir = mkdtempSync(join(tmpdir(), 'clt-play-'));
    writeFileSync(join(dir, 'site.conf.in'), 'site = {site}\nhost = {host}\nindex = {index}\n');
    writeFileSync(join(dir, 'lab.yml'), playbook('lab-a {host}'));
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('applies the playbook: files with their content, mode and owner; guarded commands once', async () => {
    const run = await play([join(dir, 'lab.yml')]);
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    for (const [index, host] of HOSTS.entries()) {
      const root = lab.host(host).rootDir;
      assert.equal(readFileSync(join(root, 'etc/motd'), 'utf8'), `lab-a ${host}\n`);
      assert.equal(readFileSync(join(root, 'etc/lab/site.conf'), 'utf8'), `site = lab-a\nhost = ${host}\nindex = ${index}\n`);
      const conf = statSync(join(root, 'etc/lab/site.conf'));
      assert.equal(conf.mode & 0o7777, 0o640);
      assert.equal(conf.uid, statSync(join(root, 'home/ops')).uid, 'owned by ops');
      assert.equal(statSync(join(root, 'etc/lab/secret.key')).mode & 0o7777, 0o600);
      assert.equal(readFileSync(join(root, 'home/ops/log'), 'utf8'), 'once\n');
      assert.deepEqual([...steps(run, host).values()], ['changed', 'changed', 'changed', 'changed', 'changed']);
    }
    assert.ok(!run.stdout.includes('s3cr3t'), 'the secret content is never shown');
  });

  it('changes nothing on a second run: every step unchanged, every file byte-identical', async () => {
    const before = HOSTS.map(state);
    const run = await play([join(dir, 'lab.yml')]);
    assert.equal(run.code, 0, run.stderr);
    for (const host of HOSTS) assert.deepEqual([...new Set(steps(run, host).values())], ['unchanged'], host);
    assert.deepEqual(HOSTS.map(state), before);
    assert.ok(!run.events.some((e) => e.type === 'command' && e['host'] === 'p1'), 'only quiet probes ran');
    const text = await runCli(['-F', lab.sshConfigFile, 'play', join(dir, 'lab.yml')]);
    assert.match(text.stdout, /HOST +RESULT +CHANGED +UNCHANGED +SKIPPED +FAILED AT\np1 +ok +0 +5 +0/);
    assert.match(text.stdout, /STEP +TITLE[^\n]*\nfile#1 +motd +0 +3 +0 +0 +0/);
  });

  it('--check --diff shows the plan and the diff, and changes nothing; --only runs the steps named', async () => {
    writeFileSync(join(dir, 'changed.yml'), playbook('lab-b {host}'));
    const before = HOSTS.map(state);
    const run = await play([join(dir, 'changed.yml'), '--check', '--diff']);
    assert.equal(run.code, 0, run.stderr);
    const motd = run.events.find((e) => e.type === 'step' && e['host'] === 'p2' && e['step'] === 'file#1')!;
    assert.equal(motd['status'], 'would-change');
    assert.deepEqual(motd['details'], ['--- /etc/motd', '+++ /etc/motd', '@@ -1 +1 @@', '-lab-a p2', '+lab-b p2']);
    assert.deepEqual([...steps(run, 'p2').values()], ['would-change', 'unchanged', 'unchanged', 'unchanged', 'unchanged']);
    assert.deepEqual(HOSTS.map(state), before, '--check changed nothing');

    const only = await play([join(dir, 'changed.yml'), '--only', 'motd', '--limit', 'p1']);
    assert.equal(only.code, 0, only.stderr);
    assert.deepEqual([...resultsByHost(only).keys()], ['p1']);
    assert.deepEqual([...steps(only, 'p1').values()], ['changed', 'skipped', 'skipped', 'skipped', 'skipped']);
    assert.equal(readFileSync(join(lab.host('p1').rootDir, 'etc/motd'), 'utf8'), 'lab-b p1\n');
  });

  it('stops the later batches when a host of batch 1 fails (serial 1, max_fail_percentage 0), and exits 4', async () => {
    const failing = playbook('lab-a {host}', '  - run: { command: "test {host} != p1" }\n').replace('steps:', 'serial: 1\nmax_fail_percentage: 0\nsteps:');
    writeFileSync(join(dir, 'failing.yml'), failing);
    const run = await play([join(dir, 'failing.yml')]);
    assert.equal(run.code, 4, run.stderr);
    const results = resultsByHost(run);
    assert.deepEqual(HOSTS.map((host) => results.get(host)!.status), ['failed', 'skipped', 'skipped']);
    assert.equal(results.get('p1')!.error!['step'], 'run#3');
    assert.deepEqual(run.events.filter((e) => e.type === 'batch-start').map((e) => e['batch']), [1]);
    const summary = run.events.find((e) => e.type === 'run-end')!['summary'] as { stopped: Record<string, number> };
    assert.deepEqual(summary.stopped, { afterBatch: 1, batches: 3, failed: 1, hosts: 1, maxFailPercentage: 0 });
    const text = await runCli(['-F', lab.sshConfigFile, 'play', join(dir, 'failing.yml')]);
    assert.match(text.stdout, /STOPPED after batch 1 of 3: 1 of its 1 host\(s\) failed/);
    assert.match(text.stdout, /p1 +failed +0 +5 +0 +run#3/);
  });

  it('plans the install steps under --check without changing the host', async () => {
    writeFileSync(join(dir, 'install.yml'), 'name: cloudlets\nhosts: p3\nsteps:\n  - install: { vm_user: ops, min_disk_gb: 1 }\n');
    const before = state('p3');
    const run = await play([join(dir, 'install.yml'), '--check']);
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    const planned = steps(run, 'p3');
    assert.deepEqual([...planned.keys()].slice(0, 3), ['install#1/preflight', 'install#1/packages', 'install#1/apparmor']);
    assert.equal(planned.get('install#1/packages'), 'would-change');
    assert.deepEqual(state('p3'), before);
  });

  it('runs a TypeScript playbook the same way: unchanged on hosts the YAML one set up', async () => {
    writeFileSync(
      join(dir, 'lab.ts'),
      `import { definePlaybook } from ${JSON.stringify(INDEX)};
const hosts: string[] = ${JSON.stringify(HOSTS)};
export default definePlaybook({
  name: 'lab-a',
  hosts,
  vars: { site: 'lab-a', owner: 'ops' },
  steps: [
    { name: 'motd', file: { path: '/etc/motd', content: 'lab-a {host}\\n', mode: '0644' } },
    { file: { path: '/etc/lab/site.conf', template: 'site.conf.in', mode: '0640', owner: '{owner}' } },
    { run: { command: 'date > /home/ops/stamp', creates: '/home/ops/stamp' } },
  ],
});
`,
    );
    const run = await play([join(dir, 'lab.ts'), '--limit', 'p2,p3']);
    assert.equal(run.code, 0, run.stdout.slice(-2000) + run.stderr);
    for (const host of ['p2', 'p3']) assert.deepEqual([...steps(run, host).values()], ['unchanged', 'unchanged', 'unchanged']);
    writeFileSync(join(dir, 'bad.ts'), `import { definePlaybook } from ${JSON.stringify(INDEX)};\nexport default definePlaybook({ name: 'x', hosts: 'p1', steps: [{ file: { path: 'relative', content: 1 } }] } as never);\n`);
    const bad = await play([join(dir, 'bad.ts')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /bad\.ts: steps\[0\]\.file\.path: must be an absolute path/);
    assert.match(bad.stderr, /steps\[0\]\.file\.content: Invalid input: expected string, received number/);
    assert.equal(bad.events.length, 0, 'refused before any host was contacted');
  });
});
