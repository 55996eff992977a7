// The command as operators meet it: help, one-line errors with exit code 2, inventories,
// plain output in pipes and listr2 lines on a terminal, secrets masked in every form, inventory
// data never run as shell text.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';

const TASKS = fileURLToPath(new URL('../../../../test/fixtures/tasks/sample-tasks.ts', import.meta.url));

describe('cloudlet-tasks command line', () => {
  it('lists the built-in tasks and those of a tasks file in --help', async () => {
    const run = await runCli(['-f', TASKS, '--help']);
    assert.equal(run.code, 0);
    for (const name of ['run', 'facts', 'round-trip', 'secret-echo']) assert.match(run.stdout, new RegExp(`^  ${name} `, 'm'));
    const task = await runCli(['-f', TASKS, 'round-trip', '--help']);
    assert.match(task.stdout, /--local VALUE/);
  });

  it('answers bad usage with one line, no stack trace, and exit code 2', async () => {
    const cases: [string[], RegExp][] = [
      [['-H', 'a', 'nope'], /unknown task 'nope'/],
      [['-H', 'a', 'run', '--bogus', '--', 'true'], /unknown option '--bogus' for task 'run'/],
      [['--bogus'], /unknown option '--bogus'/],
      [['-H', 'a:99999', 'run', '--', 'true'], /port must be/],
      [['-f', '/nonexistent/tasks.ts', '--help'], /tasks file not found/],
      [['-P0', '-H', 'a', 'run', '--', 'true'], /--parallel must be a number >= 1, got '0'/],
      [['-H', 'a', 'run', '-P', '--', 'true'], /option --parallel needs a value \(N\)/],
    ];
    for (const [args, pattern] of cases) {
      const run = await runCli(args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.doesNotMatch(run.stderr, /\bat .+:\d+:\d+/);
    }
  });

  it('points at the line of a malformed inventory', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'inv-')), 'bad-inventory.yml');
    writeFileSync(file, 'hosts:\n  web1:\n    prot: 22\n');
    const run = await runCli(['-i', file, 'run', '--', 'true']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /bad-inventory\.yml:3:5: hosts\.web1\.prot: unknown key 'prot'/);
  });

  it('refuses a name the inventory does not know with exit code 2, listing its groups and hosts', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'inv-')), 'lab.yml');
    writeFileSync(file, 'groups:\n  cloudlets:\n    hosts:\n      lab1: { address: 192.0.2.11 }\n      lab2: { address: 192.0.2.12 }\n');
    const run = await runCli(['-i', file, '-H', 'cloudlts', 'run', '--', 'true']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /'cloudlts': not a host or group of \S+lab\.yml \('cloudlts': did you mean 'cloudlets'\?\)\. Groups: cloudlets\. Hosts: lab1, lab2\./);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });

  describe('with real hosts', () => {
    let lab: Lab;
    before(async () => {
      lab = await startLab([{ name: 'lab1' }, { name: 'lab2' }]);
    });
    after(() => lab?.stop());

    it('takes hosts, groups and variables from an inventory, narrowed by --limit', async () => {
      const inventory = join(lab.dir, 'inventory.yml');
      const [one, two] = [lab.host('lab1'), lab.host('lab2')];
      writeFileSync(
        inventory,
        [
          'vars: { site: test }',
          'groups:',
          '  cloudlets:',
          '    vars: { min_disk_gb: 5 }',
          '    hosts:',
          `      first: { address: ${one.address}, port: ${one.port}, user: ops, identity_file: ${lab.keyFile}, vars: { role: a } }`,
          `      second: { address: ${two.address}, port: ${two.port}, user: ops, identity_file: ${lab.keyFile} }`,
        ].join('\n'),
      );
      const run = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-i', inventory, '-f', TASKS, '-H', 'cloudlets', 'show-vars']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.deepEqual(resultsByHost(run).get('first')!.value, { vars: { site: 'test', min_disk_gb: 5, role: 'a' }, groups: ['cloudlets'] });
      assert.deepEqual(resultsByHost(run).get('second')!.value, { vars: { site: 'test', min_disk_gb: 5 }, groups: ['cloudlets'] });
      const limited = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-i', inventory, '-f', TASKS, '--limit', 'cloud*:!sec*', 'show-vars']);
      assert.equal(limited.code, 0, limited.stdout + limited.stderr);
      assert.deepEqual([...resultsByHost(limited).keys()], ['first']);
      const nothing = await runCli(['--known-hosts', lab.knownHostsFile, '-i', inventory, '-f', TASKS, '-l', 'first,!frist', 'show-vars']);
      assert.equal(nothing.code, 2, nothing.stdout + nothing.stderr);
      assert.match(nothing.stderr, /--limit 'first,!frist': 'frist' matches none of the selected hosts; the selected hosts are first, second/);
    });

    it('carries the error class, its stable code and category in the --json host-end of a failed or unreachable host', async () => {
      const failed = await runCli(['--json', '-F', lab.sshConfigFile, '-H', 'lab1', 'run', '--', 'false']);
      assert.equal(failed.code, 4, failed.stdout + failed.stderr);
      const end = failed.events.find((event) => event.type === 'host-end') as { result: { host: string; status: string; error: Record<string, unknown> } } | undefined;
      assert.ok(end, failed.stdout);
      assert.equal(end.result.status, 'failed');
      assert.deepEqual(
        [end.result.error['name'], end.result.error['code'], end.result.error['category'], end.result.error['exitCode']],
        ['CommandError', 'command-failed', 'task', 1],
      );
      const closed = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-k', lab.keyFile, '--connect-timeout', '5', '--retries', '0', '-H', 'ops@127.0.0.1:1', 'run', '--', 'true']);
      assert.equal(closed.code, 3, closed.stdout + closed.stderr);
      const error = resultsByHost(closed).get('ops@127.0.0.1:1')?.error ?? [...resultsByHost(closed).values()][0]?.error;
      assert.deepEqual([error?.['name'], error?.['code'], error?.['category']], ['ConnectionError', 'host-unreachable', 'connection'], closed.stdout);
    });

    it('shows a secret in no --json event and no error text, in any form (quotes, newlines, $, backslashes, unicode)', async () => {
      const mark = randomBytes(6).toString('hex');
      const tokens = [`it's-${mark}`, `cost$HOME$(id)-${mark}`, `back\\slash\\n-${mark}`, `${mark}-one\n${mark}-two`, `ünïcødé-😀-${mark}`, `it's "all" $x \\ ü😀 ${mark}\n${mark}`];
      for (const token of tokens) {
        for (const fail of ['command', 'json']) {
          const run = await runCli(['--json', '-F', lab.sshConfigFile, '-f', TASKS, '-H', 'lab1', 'secret-forms', '--token', token, '--fail', fail]);
          assert.equal(run.code, 4, run.stdout + run.stderr);
          // Every form (raw, quoted, escaped, each line) carries the mark; base64 is the one that does not.
          for (const text of [run.stdout, run.stderr]) {
            assert.ok(!text.includes(mark) && !text.includes(Buffer.from(token).toString('base64')), `${JSON.stringify(token)} leaked:\n${text}`);
          }
          const lines = run.events.filter((e) => e.type === 'output').map((e) => e['line']);
          assert.equal(lines[0], 'token=***', JSON.stringify(token));
          assert.ok(lines.includes('***') && run.events.some((e) => e.type === 'log' && e['message'] === 'as JSON: "***"'), run.stdout);
          const error = resultsByHost(run).get('lab1')!.error!;
          assert.equal(error['code'], fail === 'command' ? 'command-failed' : 'internal');
          assert.match(String(error['message']), fail === 'command' ? /exited with code 3: printf '%s\\n' \*\*\* >&2; exit 3/ : /^refused "\*\*\*" in "use \*\*\*"$/);
        }
      }
    });

    it('quotes an inventory variable shaped like a command: it is data, nothing of it runs', async () => {
      const planted = `/tmp/pwned-${randomBytes(4).toString('hex')}`;
      const inventory = join(lab.dir, 'inject.yml');
      const one = lab.host('lab1');
      writeFileSync(
        inventory,
        [
          'hosts:',
          `  lab1: { address: ${one.address}, port: ${one.port}, user: ops, identity_file: ${lab.keyFile}, vars: { greeting: { text: "echo hi; touch ${planted}", secrets: [] } } }`,
        ].join('\n'),
      );
      const run = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-i', inventory, '-f', TASKS, '-H', 'lab1', 'echo-var']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(resultsByHost(run).get('lab1')!.value, `{"text":"echo hi; touch ${planted}","secrets":[]}`);
      assert.equal((await one.exec(['sh', '-c', `test -e ${planted} && echo planted || echo absent`])).stdout.trim(), 'absent');
    });

    it('prints plain lines prefixed with the host when output is not a terminal', async () => {
      const run = await runCli(['-F', lab.sshConfigFile, '-H', 'lab1,lab2', 'run', '--', 'hostname']);
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^\[lab1\] out: lab1$/m);
      assert.match(run.stdout, /^\[lab2\] out: lab2$/m);
      assert.match(run.stdout, /^run: 2 ok, 0 failed, 0 unreachable, 0 skipped/m);
    });

    it('draws one listr2 line per host on a terminal', async () => {
      const run = await runCli(['-F', lab.sshConfigFile, '-H', 'lab1,lab2', 'run', '--', 'hostname'], {
        wrap: (argv) => ['script', '-qec', `stty cols 120 rows 40; ${argv.map((a) => `'${a}'`).join(' ')}`, '/dev/null'],
      });
      assert.equal(run.code, 0, run.stdout);
      assert.match(run.stdout, /✔ lab1/);
      assert.match(run.stdout, /✔ lab2/);
      assert.match(run.stdout, /run: 2 ok/);
    });
  });
});
