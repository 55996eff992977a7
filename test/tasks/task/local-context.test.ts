// A task context without sshd: the host reached through the local transport, and ctx.local
// (operator-side commands) with real local processes: events, masking, typed errors, check
// and quiet, cwd and env, stdin, timeouts decided by the runner's timer, and dry-run.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { secret, sh } from '../../../tasks/command/command.js';
import { Masker } from '../../../tasks/command/masker.js';
import { connectLocal, localHost } from '../../../tasks/connection/local-connection.js';
import { CommandError, CommandTimeoutError, UsageError } from '../../../tasks/errors.js';
import type { RunEvent } from '../../../tasks/run/events.js';
import { HostContext, type ContextSettings } from '../../../tasks/task/task-context.js';

function contextFor(settings: Partial<ContextSettings> = {}): { ctx: HostContext<Record<string, never>>; events: RunEvent[] } {
  const events: RunEvent[] = [];
  const ctx = new HostContext(connectLocal(localHost('box')), {}, [], { dryRun: false, masker: new Masker(), emit: (e) => events.push(e), ...settings });
  return { ctx, events };
}

const commands = (events: RunEvent[]) => events.filter((e) => e.type === 'command');
const lines = (events: RunEvent[]) => events.flatMap((e) => (e.type === 'output' ? [`${e.stream}: ${e.line}`] : []));

describe('task context over the local transport', () => {
  it('runs in cd and env scopes, puts and gets files', async () => {
    const { ctx } = contextFor();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ctx-local-')));
    writeFileSync(join(dir, 'in'), 'data');
    await ctx.cd(dir, () => ctx.put('/dev/null', 'empty'));
    await ctx.put(join(dir, 'in'), join(dir, 'sub', 'copied'));
    const where = await ctx.cd(dir, () => ctx.cd('sub', () => ctx.run('pwd; cat copied')));
    assert.equal(where.stdout, `${dir}/sub\ndata`);
    const greeting = await ctx.withEnv({ GREETING: `it's "quoted" $HOME` }, () => ctx.run('printf %s "$GREETING"'));
    assert.equal(greeting.stdout, `it's "quoted" $HOME`);
    await ctx.get(join(dir, 'sub', 'copied'), join(dir, 'back'));
    assert.equal(readFileSync(join(dir, 'back'), 'utf8'), 'data');
    assert.equal((await ctx.run('echo piped', { stdin: 'x' })).stdout, 'piped\n');
    assert.equal((await ctx.run('cat', { stdin: 'from stdin' })).stdout, 'from stdin');
  });

  it('reports a command that exits 124 by itself as exit 124, not as a timeout', async () => {
    const { ctx } = contextFor({ commandTimeoutMs: 10_000 });
    await assert.rejects(ctx.run('exit 124'), (error: unknown) => {
      assert.ok(error instanceof CommandError);
      assert.equal(error.exitCode, 124);
      assert.equal(error.signal, null);
      return true;
    });
    assert.equal((await ctx.run('exit 124', { check: false })).exitCode, 124);
  });

  it('stops a command at --command-timeout with CommandTimeoutError', async () => {
    const { ctx } = contextFor({ commandTimeoutMs: 300 });
    const started = Date.now();
    await assert.rejects(ctx.run('sleep 30'), (error: unknown) => {
      assert.ok(error instanceof CommandTimeoutError);
      assert.equal(error.timeoutMs, 300);
      return true;
    });
    assert.ok(Date.now() - started < 5_000);
  });

  it('keeps multibyte output whole in results and output events', async () => {
    const { ctx, events } = contextFor();
    const result = await ctx.run(`f=$(mktemp); { printf x; printf '\\360\\237\\230\\200%.0s' $(seq 20000); echo; } >"$f"; cat "$f"; rm -f "$f"`);
    assert.equal(result.stdout, `x${'😀'.repeat(20000)}\n`);
    assert.deepEqual(lines(events), [`stdout: x${'😀'.repeat(20000)}`]);
  });
});

describe('ctx.local: commands on the operator machine', () => {
  it('reports the command as local and its output lines, with secrets masked', async () => {
    const { ctx, events } = contextFor();
    const token = `tok-${process.pid}`;
    const result = await ctx.local(sh`echo token=${secret(token)}; echo warn >&2`);
    assert.equal(result.stdout, 'token=***\n');
    assert.equal(result.exitCode, 0);
    assert.deepEqual(commands(events), [{ type: 'command', host: 'box', command: 'echo token=***; echo warn >&2', sudo: false, local: true }]);
    assert.deepEqual(lines(events), ['stdout: token=***', 'stderr: warn']);
    assert.ok(!JSON.stringify(events).includes(token));
  });

  it('throws CommandError with the exit code and output tail, unless check is false', async () => {
    const { ctx } = contextFor();
    await assert.rejects(ctx.local('echo first >&2; echo second >&2; exit 7'), (error: unknown) => {
      assert.ok(error instanceof CommandError);
      assert.equal(error.host, 'box');
      assert.equal(error.exitCode, 7);
      assert.equal(error.stderrTail, 'first\nsecond');
      return true;
    });
    assert.equal((await ctx.local('exit 3', { check: false })).exitCode, 3);
  });

  it('emits nothing for a quiet command', async () => {
    const { ctx, events } = contextFor();
    assert.equal((await ctx.local('echo hidden', { quiet: true })).stdout, 'hidden\n');
    assert.deepEqual(events, []);
  });

  it('takes a working directory, environment and stdin of its own; ctx.cd does not apply', async () => {
    const { ctx } = contextFor();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'ctx-local-')));
    const result = await ctx.cd('/usr', () => ctx.local('pwd; printf "%s\\n" "$MODE"; cat', { cwd: dir, env: { MODE: 'a b' }, stdin: 'in' }));
    assert.equal(result.stdout, `${dir}\na b\nin`);
    await assert.rejects(ctx.local('true', { env: { 'BAD-NAME': 'x' } }), UsageError);
  });

  it('stops at the command timeout with CommandTimeoutError; exit 124 stays an exit code', async () => {
    const { ctx } = contextFor({ commandTimeoutMs: 10_000 });
    await assert.rejects(ctx.local('sleep 30', { timeoutMs: 200 }), CommandTimeoutError);
    await assert.rejects(ctx.local('exit 124'), (error: unknown) => error instanceof CommandError && error.exitCode === 124);
  });

  it('runs under --dry-run like ctx.run: the task checks ctx.dryRun itself', async () => {
    const { ctx } = contextFor({ dryRun: true });
    assert.equal(ctx.dryRun, true);
    assert.equal((await ctx.local('echo read-only')).stdout, 'read-only\n');
  });

  it('stops operator-side commands still running when the context closes', async () => {
    const { ctx } = contextFor();
    const pending = ctx.local('sleep 30');
    await new Promise((r) => setTimeout(r, 100));
    await ctx.close();
    await assert.rejects(pending, CommandError);
  });
});
