// `cloudlet-tasks config`: the operator's defaults kept with conf under XDG_CONFIG_HOME, checked
// when set and when read, and taking effect in runs unless a flag says otherwise.
import assert from 'node:assert/strict';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli, type CliRun } from '../../fixtures/run-cli.js';

function runStart(run: CliRun): Record<string, unknown> {
  const event = run.events.find((e) => e.type === 'run-start');
  assert.ok(event, run.stdout + run.stderr);
  return event;
}

describe('cloudlet-tasks config', () => {
  const freshConfig = (): { xdg: string; env: Record<string, string>; cli: (args: string[]) => Promise<CliRun> } => {
    const xdg = mkdtempSync(join(tmpdir(), 'clt-xdg-'));
    const env = { XDG_CONFIG_HOME: xdg };
    return { xdg, env, cli: (args) => runCli(args, { env }) };
  };

  it('sets, gets, lists and unsets values in $XDG_CONFIG_HOME/cloudlet-tasks/config.json, mode 0600', async () => {
    const { xdg, cli } = freshConfig();
    const dir = mkdtempSync(join(tmpdir(), 'clt-cwd-'));
    for (const [key, value] of [['parallel', '4'], ['accept-new-host-keys', 'yes'], ['connect-timeout', '2.5']]) {
      const set = await cli(['config', 'set', key!, value!]);
      assert.equal(set.code, 0, set.stderr);
    }
    const relative = await runCli(['config', 'set', 'known-hosts', 'keys/known'], { env: { XDG_CONFIG_HOME: xdg }, cwd: dir });
    assert.equal(relative.code, 0, relative.stderr);
    const file = join(xdg, 'cloudlet-tasks', 'config.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal((await cli(['config', 'path'])).stdout, `${file}\n`);
    assert.equal((await cli(['config', 'get', 'parallel'])).stdout, '4\n');
    const list = await cli(['config', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout), { parallel: 4, 'accept-new-host-keys': true, 'connect-timeout': 2.5, 'known-hosts': join(dir, 'keys/known') });
    assert.match((await cli(['config', 'list'])).stdout, /^parallel=4$/m);
    assert.equal((await cli(['config', 'unset', 'parallel'])).code, 0);
    const unset = await cli(['config', 'get', 'parallel']);
    assert.equal(unset.code, 0);
    assert.equal(unset.stdout, '');
    assert.match(unset.stderr, /parallel is not set \(built-in default: 10\)/);
  });

  it('refuses an unknown key with exit code 2, listing the known keys', async () => {
    const { cli } = freshConfig();
    for (const args of [['set', 'paralel', '3'], ['get', 'colour'], ['unset', 'nope']]) {
      const run = await cli(['config', ...args]);
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /unknown config key '\w+'.*; known keys: inventory, parallel, retries, connect-timeout, command-timeout, accept-new-host-keys, known-hosts, ssh-config, user/);
      assert.equal(run.stderr.trim().split('\n').length, 1);
    }
    assert.match((await cli(['config', 'set', 'paralel', '3'])).stderr, /did you mean 'parallel'\?/);
  });

  it('refuses bad values, actions and word counts with exit code 2', async () => {
    const { cli } = freshConfig();
    const cases: [string[], RegExp][] = [
      [['set', 'parallel', '0'], /config parallel: '0' must be an integer >= 1/],
      [['set', 'parallel', '2.5'], /must be an integer >= 1/],
      [['set', 'connect-timeout', 'soon'], /must be a number of seconds >= 0.1/],
      [['set', 'accept-new-host-keys', 'maybe'], /must be true or false/],
      [['set', 'user', 'two words'], /must be a user name/],
      [['set', 'parallel'], /config set takes KEY VALUE/],
      [['frobnicate'], /unknown config action 'frobnicate'/],
      [[], /config needs an action/],
    ];
    for (const [args, pattern] of cases) {
      const run = await cli(['config', ...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, pattern);
    }
    assert.deepEqual(JSON.parse((await cli(['config', 'list', '--json'])).stdout), {});
  });

  it('uses the configured parallel, retries and timeouts unless a flag overrides them', async () => {
    const { cli } = freshConfig();
    await cli(['config', 'set', 'parallel', '7']);
    await cli(['config', 'set', 'retries', '0']);
    const fromConfig = await cli(['--json', '-H', 'ops@127.0.0.1:1', 'run', '--', 'true']);
    assert.equal(fromConfig.code, 3, fromConfig.stdout + fromConfig.stderr);
    assert.equal(runStart(fromConfig)['parallel'], 7);
    assert.ok(!fromConfig.events.some((e) => e.type === 'connect-retry'), 'retries 0 from the config was not used');
    const flagged = await cli(['--json', '-P', '2', '-H', 'ops@127.0.0.1:1', 'run', '--', 'true']);
    assert.equal(runStart(flagged)['parallel'], 2);
  });

  it('takes the default inventory from the config, so -H names a group of it; -i still wins', async () => {
    const { cli } = freshConfig();
    const dir = mkdtempSync(join(tmpdir(), 'clt-inv-'));
    const lab = join(dir, 'lab.yml');
    writeFileSync(lab, 'groups:\n  cloudlets:\n    hosts:\n      lab1: { address: 127.0.0.1, port: 1 }\n      lab2: { address: 127.0.0.1, port: 1 }\n');
    const other = join(dir, 'other.yml');
    writeFileSync(other, 'groups:\n  cloudlets:\n    hosts:\n      spare: { address: 127.0.0.1, port: 1 }\n');
    assert.equal((await cli(['config', 'set', 'inventory', lab])).code, 0);
    await cli(['config', 'set', 'retries', '0']);
    const run = await cli(['--json', '-H', 'cloudlets', 'run', '--', 'true']);
    assert.deepEqual(runStart(run)['hosts'], ['lab1', 'lab2']);
    const typo = await cli(['-H', 'cloudlts', 'run', '--', 'true']);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /did you mean 'cloudlets'/);
    const flagged = await cli(['--json', '-i', other, '-H', 'cloudlets', 'run', '--', 'true']);
    assert.deepEqual(runStart(flagged)['hosts'], ['spare']);
  });

  it('refuses a hand-edited bad value with exit code 2, naming the file, but still shows --help', async () => {
    const { xdg, cli } = freshConfig();
    await cli(['config', 'set', 'parallel', '3']);
    const file = join(xdg, 'cloudlet-tasks', 'config.json');
    writeFileSync(file, JSON.stringify({ parallel: 'many' }));
    const run = await cli(['-H', 'ops@127.0.0.1:1', 'run', '--', 'true']);
    assert.equal(run.code, 2);
    assert.ok(run.stderr.includes(`${file}: 'parallel' is 'many', but must be an integer >= 1`), run.stderr);
    assert.equal((await cli(['--help'])).code, 0);
    writeFileSync(file, '{ not json');
    const broken = await cli(['config', 'list']);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /config file .*config\.json: cannot be read/);
  });

  it('explains itself and its keys with config --help', async () => {
    const run = await runCli(['config', '--help']);
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^ {2}accept-new-host-keys +record the key/m);
    assert.match((await runCli(['--help'])).stdout, /cloudlet-tasks config get KEY/);
  });
});
