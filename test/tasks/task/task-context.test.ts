// A task body on real hosts: run, sudo (passwordless and with a password), put, get,
// scoped cd and env, secrets masked, failing commands with their exit code and output.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { connectSsh } from '../../../tasks/connection/ssh-connection.js';
import { TransferError } from '../../../tasks/errors.js';
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

  it('stops a command that runs past --command-timeout, and what it started on the host', async () => {
    const run = await runCli([...base, '--command-timeout', '1', '-H', 'easy', 'run', '--', 'sleep 37 & sleep 38']);
    assert.equal(run.code, 4);
    assert.equal(resultsByHost(run).get('easy')!.error!['name'], 'CommandTimeoutError');
    assert.ok(run.durationMs < 20_000);
    const sleeping = async (): Promise<boolean> => {
      const ps = await lab.host('easy').exec(['sh', '-c', 'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" " "']);
      return /sleep 3[78]/.test(ps.stdout);
    };
    for (let i = 0; i < 100 && (await sleeping()); i += 1) await new Promise((r) => setTimeout(r, 100));
    if (await sleeping()) {
      const left = await lab.host('easy').exec(['sh', '-c', 'for p in /proc/[0-9]*; do echo "$p: $(tr "\\0" " " < $p/cmdline)"; done 2>/dev/null']);
      assert.fail(`the timed-out command still runs on the host:\n${left.stdout}`);
    }
  });

  it('keeps 4-byte characters whole across SSH data chunks (100k emoji)', async () => {
    const count = 100_000;
    // One ASCII byte first, read with the rest from a file by cat, so the data chunks cut characters in the middle.
    const run = await runCli([...base, '-H', 'easy', 'run', '--', `f=$(mktemp); { printf x; printf '\\360\\237\\230\\200%.0s' $(seq ${count}); } >"$f"; cat "$f"; rm -f "$f"`]);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.events.filter((e) => e.type === 'output').map((e) => String(e['line']));
    assert.equal(lines.length, 1);
    assert.equal(lines[0]!.length, 1 + count * 2);
    assert.ok(lines[0] === `x${'\u{1F600}'.repeat(count)}`, 'the emoji came back changed');
  });

  it('reports a command that exits 124 by itself as exit 124, not as a timeout', async () => {
    const run = await runCli([...base, '--command-timeout', '30', '-H', 'easy', 'run', '--', 'sleep 1; exit 124']);
    assert.equal(run.code, 4);
    const error = resultsByHost(run).get('easy')!.error!;
    assert.equal(error['name'], 'CommandError');
    assert.equal(error['exitCode'], 124);
    assert.equal(error['signal'], null);
  });

  it('runs ctx.local on the operator machine next to the host commands, secrets masked', async () => {
    const token = `tok-${randomBytes(6).toString('hex')}`;
    const run = await runCli([...base, '-H', 'easy', 'local-and-remote', '--token', token]);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.deepEqual(resultsByHost(run).get('easy')!.value, { localChars: token.length, remote: 'easy' });
    const commands = run.events.filter((e) => e.type === 'command');
    assert.deepEqual(commands.map((e) => e['local'] === true), [true, false]);
    assert.ok(!run.stdout.includes(token));
  });

  it('keeps the SFTP error as the cause of a failed transfer', async () => {
    const host = lab.host('easy');
    const connection = await connectSsh(
      { name: 'easy', address: host.address, port: host.port, user: 'ops', identityFiles: [lab.keyFile], jumps: [], knownHostsFiles: [], vars: {}, groups: [] },
      { hostKeys: { knownHostsFiles: [lab.knownHostsFile], recordFile: lab.knownHostsFile, acceptNew: false }, connectTimeoutMs: 10_000, auth: {} },
    );
    try {
      await assert.rejects(connection.get('/nonexistent/file', join(lab.dir, 'never')), (error: unknown) => {
        assert.ok(error instanceof TransferError);
        assert.equal(error.direction, 'get');
        assert.ok(error.cause instanceof Error, 'the SFTP error is kept as the cause');
        return true;
      });
    } finally {
      await connection.close();
    }
  });
});
