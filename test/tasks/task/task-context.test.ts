// A task body on real hosts: run, sudo (passwordless and with a password), put, get,
// scoped cd and env, secrets masked, failing commands with their exit code and output.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';

const TASKS = fileURLToPath(new URL('../../../../test/fixtures/tasks/sample-tasks.ts', import.meta.url));

describe('task context on real hosts', () => {
  let lab: Lab;
  let base: string[];
  before(async () => {
    lab = await startLab([{ name: 'easy' }, { name: 'guarded', sudo: 'password' }, { name: 'plain', sudo: 'none' }]);
    base = ['--json', '-F', lab.sshConfigFile, '-f', TASKS];
  });
  after(() => lab?.stop());

  it('puts, works in cd and env scopes, installs with sudo and gets files back', async () => {
    const payload = join(lab.dir, 'payload.bin');
    const bytes = randomBytes(300_000);
    writeFileSync(payload, bytes);
    const back = join(lab.dir, 'back');
    const env = { CLOUDLET_SUDO_PASSWORD: lab.host('guarded').password };
    const run = await runCli([...base, '-H', 'easy,guarded', 'round-trip', '--local', payload, '--back', back], { env });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const digest = createHash('sha256').update(bytes).digest('hex');
    for (const name of ['easy', 'guarded']) {
      const value = resultsByHost(run).get(name)!.value as Record<string, unknown>;
      assert.deepEqual(value, {
        digest,
        nested: '/usr/share',
        parallel: ['/etc', '/var'],
        greeting: `it's "quoted" $HOME`,
        sudoCd: '/root',
        installed: 'root:640',
      });
      assert.deepEqual(readFileSync(`${back}.${name}`), bytes);
      const inside = await lab.host(name).exec(['stat', '-c', '%U %a %s', '/etc/cloudlet-test.conf']);
      assert.equal(inside.stdout.trim(), `root 640 ${bytes.length}`);
    }
    assert.ok(!run.stdout.includes(lab.host('guarded').password), 'the sudo password leaked into the output');
  });

  it('masks secrets in commands and their output', async () => {
    const token = `tok-${randomBytes(6).toString('hex')}`;
    const run = await runCli([...base, '-H', 'easy', 'secret-echo', '--token', token]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(!run.stdout.includes(token));
    assert.equal(resultsByHost(run).get('easy')!.value, 'token=***');
    assert.ok(run.events.some((e) => e.type === 'command' && String(e['command']).includes('token=***')));
  });

  it('runs sudo with a password asked once and never shows it', async () => {
    const password = lab.host('guarded').password;
    const run = await runCli([...base, '-H', 'guarded', 'run', '--sudo', '--', `id -u; echo ${password}`], { env: { CLOUDLET_SUDO_PASSWORD: password } });
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const lines = run.events.filter((e) => e.type === 'output').map((e) => e['line']);
    assert.deepEqual(lines, ['0', '***']);
    assert.ok(!run.stdout.includes(password));
  });

  it('reports a wrong sudo password per host without hanging', async () => {
    const run = await runCli([...base, '-H', 'guarded', 'run', '--sudo', '--', 'id -u'], { env: { CLOUDLET_SUDO_PASSWORD: 'not-the-password' } });
    assert.equal(run.code, 4);
    const error = resultsByHost(run).get('guarded')!.error!;
    assert.equal(error['name'], 'SudoError');
    assert.equal(error['reason'], 'wrong-password');
    assert.ok(!run.stdout.includes('not-the-password'));
  });

  it('says when sudo needs a password that was not given, and when sudo is not allowed', async () => {
    const missing = await runCli([...base, '-H', 'guarded', 'run', '--sudo', '--', 'true']);
    assert.equal(resultsByHost(missing).get('guarded')!.error!['reason'], 'password-required');
    const denied = await runCli([...base, '-H', 'plain', 'run', '--sudo', '--', 'true'], { env: { CLOUDLET_SUDO_PASSWORD: lab.host('plain').password } });
    assert.equal(denied.code, 4);
    assert.equal(resultsByHost(denied).get('plain')!.error!['reason'], 'not-allowed');
  });

  it('fails a command with its exit code and the tail of its output', async () => {
    const run = await runCli([...base, '-H', 'easy', 'run', '--', 'echo to-stdout; echo line-1 >&2; echo line-2 >&2; exit 7']);
    assert.equal(run.code, 4);
    const error = resultsByHost(run).get('easy')!.error!;
    assert.equal(error['name'], 'CommandError');
    assert.equal(error['exitCode'], 7);
    assert.equal(error['stderrTail'], 'line-1\nline-2');
    assert.match(String(error['message']), /exited with code 7/);
  });

  it('stops a command that runs past --command-timeout', async () => {
    const run = await runCli([...base, '--command-timeout', '1', '-H', 'easy', 'run', '--', 'sleep 30']);
    assert.equal(run.code, 4);
    assert.equal(resultsByHost(run).get('easy')!.error!['name'], 'CommandTimeoutError');
    assert.ok(run.durationMs < 20_000);
  });
});
