// Many real hosts at once: parallelism, a host that is down, retries, fail-fast, dry-run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';

const NAMES = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

describe('runner on many real hosts', () => {
  let lab: Lab;
  let base: string[];
  before(async () => {
    lab = await startLab(NAMES.map((name) => ({ name })));
    base = ['--json', '-F', lab.sshConfigFile];
  });
  after(() => lab?.stop());

  it('works on six hosts at once and returns a result per host', async () => {
    const run = await runCli([...base, '-P', '6', '-H', NAMES.join(','), 'run', '--', 'sleep 1; hostname']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const types = run.events.map((e) => e.type);
    const lastStart = types.lastIndexOf('host-start');
    const firstEnd = types.indexOf('host-end');
    assert.ok(lastStart < firstEnd, 'every host started before the first one finished');
    for (const name of NAMES) {
      assert.equal(resultsByHost(run).get(name)!.status, 'ok');
      assert.ok(run.events.some((e) => e.type === 'output' && e['host'] === name && e['line'] === name));
    }
    const summary = run.events.find((e) => e.type === 'run-end')!['summary'] as Record<string, number>;
    assert.equal(summary['ok'], 6);
  });

  it('keeps at most --parallel hosts in flight', async () => {
    const run = await runCli([...base, '-P', '2', '-H', NAMES.slice(0, 4).join(','), 'run', '--', 'true']);
    assert.equal(run.code, 0);
    let inFlight = 0;
    let peak = 0;
    for (const event of run.events) {
      if (event.type === 'host-start') peak = Math.max(peak, ++inFlight);
      if (event.type === 'host-end') inFlight -= 1;
    }
    assert.equal(peak, 2);
  });

  it('goes on with the others when a host is down, retries it with back-off, and exits 3', async () => {
    const run = await runCli([...base, '--retries', '1', '-H', 'h1,down,h2', 'run', '--', 'true']);
    assert.equal(run.code, 3);
    const results = resultsByHost(run);
    assert.equal(results.get('h1')!.status, 'ok');
    assert.equal(results.get('h2')!.status, 'ok');
    assert.equal(results.get('down')!.status, 'unreachable');
    assert.match(String(results.get('down')!.error!['message']), /connection refused/);
    assert.equal(run.events.filter((e) => e.type === 'connect-retry' && e['host'] === 'down').length, 1);
  });

  it('with --fail-fast starts no host after the first failure', async () => {
    const run = await runCli([...base, '--fail-fast', '-P', '1', '-H', 'h1,h2,h3', 'run', '--', 'exit 5']);
    assert.equal(run.code, 4);
    const results = resultsByHost(run);
    assert.equal(results.get('h1')!.status, 'failed');
    assert.equal(results.get('h2')!.status, 'skipped');
    assert.equal(results.get('h3')!.status, 'skipped');
  });

  it('stops on Ctrl-C: commands in flight are killed on the hosts, hosts not started are skipped, exit code 130', async () => {
    const run = await runCli([...base, '-P', '2', '-H', 'h1,h2,h3', 'run', '--', 'sleep 60'], { interruptAfterMs: 2500 });
    assert.equal(run.code, 130);
    assert.ok(run.durationMs < 20_000, `took ${run.durationMs} ms`);
    const results = resultsByHost(run);
    assert.equal(results.get('h3')!.status, 'skipped');
    assert.notEqual(results.get('h1')!.status, 'ok');
    for (const name of ['h1', 'h2']) {
      let left = '';
      for (let i = 0; i < 30; i += 1) {
        left = (await lab.host(name).exec(['sh', '-c', 'ps -eo args | grep -x "sleep 60" || true'])).stdout.trim();
        if (left === '') break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(left, '', `the interrupted command still runs on ${name}`);
    }
  });

  it('changes nothing under --dry-run', async () => {
    const run = await runCli([...base, '--dry-run', '-H', 'h1', 'run', '--', 'touch /tmp/dry-run-marker']);
    assert.equal(run.code, 0);
    assert.ok(run.events.some((e) => e.type === 'log' && /would run: touch/.test(String(e['message']))));
    const check = await lab.host('h1').exec(['test', '-e', '/tmp/dry-run-marker']);
    assert.notEqual(check.exitCode, 0);
  });

  it('gathers facts from each host', async () => {
    const run = await runCli([...base, '-H', 'h1', 'facts']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const value = resultsByHost(run).get('h1')!.value as Record<string, unknown>;
    assert.equal(value['os'], 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(value['hostname'], 'h1');
    assert.equal(value['user'], 'ops');
    assert.equal(value['arch'], 'x86_64');
  });
});
