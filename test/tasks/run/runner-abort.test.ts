// Ctrl-C on real hosts: a command in flight gets TERM, the run waits for its cleanup (under
// sudo with a password too), a command that ignores TERM is KILLed after its grace, what a
// cleanup leaves behind is KILLed, and ctx.local commands are stopped the same way. Nothing of
// the commands is left running.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectLocal, localHost } from '../../../tasks/connection/local-connection.js';
import type { RunEvent } from '../../../tasks/run/events.js';
import { runTask } from '../../../tasks/run/runner.js';
import { defineTask } from '../../../tasks/task/define-task.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { connectLab, labTarget, processLines } from '../../fixtures/lab-connection.js';

/** Shell text that says `started`, then waits; on TERM it takes `cleanupS` seconds and leaves `marker`. */
function cleansUp(token: string, marker: string, cleanupS: number): string {
  return `: ${token}; trap 'sleep ${cleanupS}; echo cleaned >${marker}; exit 143' TERM; echo started; sleep 617 & wait`;
}

/** Aborts `abort` once every host in `hosts` said `started`. */
function abortWhenStarted(abort: AbortController, hosts: readonly string[], events: RunEvent[]): (event: RunEvent) => void {
  const started = new Set<string>();
  return (event) => {
    events.push(event);
    if (event.type === 'output' && event.line === 'started') started.add(event.host);
    if (started.size === hosts.length && !abort.signal.aborted) abort.abort();
  };
}

describe('Ctrl-C during remote and local commands', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab([{ name: 'easy' }, { name: 'guarded', sudo: 'password' }]);
  });
  after(() => lab?.stop());

  it('waits for the TERM cleanup of the commands in flight (run, and sudo with a password), then nothing is left', async () => {
    const token = `abort-${randomBytes(4).toString('hex')}`;
    const marker = `/tmp/${token}.marker`;
    const task = defineTask({
      name: 'cleanup',
      help: 'a command that cleans up on TERM',
      options: {},
      body: (ctx) => (ctx.host.name === 'guarded' ? ctx.sudo(cleansUp(token, marker, 2), { graceMs: 10_000 }) : ctx.run(cleansUp(token, marker, 2), { graceMs: 10_000 })),
    });
    const abort = new AbortController();
    const events: RunEvent[] = [];
    let abortedAt = 0;
    abort.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    const summary = await runTask({
      task,
      hosts: ['easy', 'guarded'].map((name) => labTarget(lab, name)),
      connect: (host) => connectLab(lab, host),
      sudoPassword: lab.host('guarded').password,
      emit: abortWhenStarted(abort, ['easy', 'guarded'], events),
      signal: abort.signal,
    });
    const waited = Date.now() - abortedAt;
    assert.ok(waited >= 2_000, `the run ended ${waited} ms after the abort, before the 2 s cleanup`);
    for (const name of ['easy', 'guarded']) {
      const result = summary.results.find((r) => r.host === name)!;
      assert.equal(result.status, 'failed');
      assert.equal(result.error?.code, 'command-interrupted', JSON.stringify(result.error));
      assert.equal(result.error?.['ended'], true);
      assert.equal(result.error?.['exitCode'], 143);
      const cleaned = await lab.host(name).exec(['cat', marker]);
      assert.equal(cleaned.stdout, 'cleaned\n', `no cleanup marker on ${name}`);
      const owner = await lab.host(name).exec(['stat', '-c', '%U', marker]);
      assert.equal(owner.stdout.trim(), name === 'guarded' ? 'root' : 'ops');
      const left = (await processLines(lab, name)).split('\n').filter((line) => line.includes(token) || line.includes('sleep 617'));
      assert.deepEqual(left, [], `processes of the command are left on ${name}`);
    }
  });

  it('waits for a child process that cleans up, when the shell of the command line does not exec it (a cd prefix, a wrapper)', async () => {
    const token = `child-${randomBytes(4).toString('hex')}`;
    const marker = `/tmp/${token}.marker`;
    // `cd … && child`: the shell running the command line stays the child's parent instead of exec'ing it.
    const task = defineTask({ name: 'child', help: 'a child that cleans up on TERM', options: {}, body: (ctx) => ctx.run(`cd /tmp && sh -c "${cleansUp(token, marker, 2)}"`, { graceMs: 10_000 }) });
    const abort = new AbortController();
    const events: RunEvent[] = [];
    const summary = await runTask({ task, hosts: [labTarget(lab, 'easy')], connect: (host) => connectLab(lab, host), emit: abortWhenStarted(abort, ['easy'], events), signal: abort.signal });
    assert.equal(summary.results[0]!.error?.code, 'command-interrupted');
    const cleaned = await lab.host('easy').exec(['cat', marker]);
    assert.equal(cleaned.stdout, 'cleaned\n', 'the child finished its cleanup before the session was KILLed');
    const left = (await processLines(lab, 'easy')).split('\n').filter((line) => line.includes(token) || line.includes('sleep 617'));
    assert.deepEqual(left, []);
  });

  it('KILLs a command that ignores TERM once its grace is over', async () => {
    const token = `stubborn-${randomBytes(4).toString('hex')}`;
    const task = defineTask({
      name: 'stubborn',
      help: 'a command that ignores TERM',
      options: {},
      body: (ctx) => ctx.run(`: ${token}; trap '' TERM; echo started; sleep 618`, { graceMs: 1_500 }),
    });
    const abort = new AbortController();
    const events: RunEvent[] = [];
    let abortedAt = 0;
    abort.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    const summary = await runTask({ task, hosts: [labTarget(lab, 'easy')], connect: (host) => connectLab(lab, host), emit: abortWhenStarted(abort, ['easy'], events), signal: abort.signal });
    const waited = Date.now() - abortedAt;
    assert.ok(waited >= 1_500 && waited < 6_000, `the run ended ${waited} ms after the abort; the grace is 1.5 s`);
    const error = summary.results[0]!.error!;
    assert.equal(error.code, 'command-interrupted');
    assert.equal(error['exitCode'], 137, 'KILLed');
    const left = (await processLines(lab, 'easy')).split('\n').filter((line) => line.includes(token) || line.includes('sleep 618'));
    assert.deepEqual(left, []);
  });

  it('KILLs what a stopped command left behind in its session, without waiting for the grace', async () => {
    const token = `straggler-${randomBytes(4).toString('hex')}`;
    // Its cleanup starts a process that keeps the command's output open, then exits.
    const task = defineTask({ name: 'straggler', help: 'a cleanup that leaves a process', options: {}, body: (ctx) => ctx.run(`: ${token}; trap 'sleep 620 & exit 3' TERM; echo started; sleep 617 & wait`, { graceMs: 30_000 }) });
    const abort = new AbortController();
    let abortedAt = 0;
    abort.signal.addEventListener('abort', () => (abortedAt = Date.now()));
    const summary = await runTask({ task, hosts: [labTarget(lab, 'easy')], connect: (host) => connectLab(lab, host), emit: abortWhenStarted(abort, ['easy'], []), signal: abort.signal });
    assert.ok(Date.now() - abortedAt < 5_000, 'the run waited for the straggler');
    assert.equal(summary.results[0]!.error?.['exitCode'], 3);
    const left = (await processLines(lab, 'easy')).split('\n').filter((line) => line.includes(token) || line.includes('sleep 620'));
    assert.deepEqual(left, []);
  });

  it('stops ctx.local commands the same way: TERM, their cleanup waited for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'abort-local-'));
    const token = `local-${randomBytes(4).toString('hex')}`;
    const marker = join(dir, 'marker');
    const task = defineTask({ name: 'local-cleanup', help: 'a local command that cleans up on TERM', options: {}, body: (ctx) => ctx.local(cleansUp(token, marker, 1), { graceMs: 10_000 }) });
    const abort = new AbortController();
    const events: RunEvent[] = [];
    const summary = await runTask({ task, hosts: [localHost('box')], connect: async (host) => connectLocal(host), emit: abortWhenStarted(abort, ['box'], events), signal: abort.signal });
    assert.equal(summary.results[0]!.error?.code, 'command-interrupted');
    assert.equal(summary.results[0]!.error?.['exitCode'], 143);
    assert.equal(readFileSync(marker, 'utf8'), 'cleaned\n');
    // pgrep exits 1 when no process matches.
    const left = spawnSync('pgrep', ['-a', '-f', `${token}|^sleep 617$`], { encoding: 'utf8' });
    assert.equal(left.status, 1, left.stdout);
  });
});
