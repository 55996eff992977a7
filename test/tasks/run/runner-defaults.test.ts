import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defineTask } from '../../../tasks/task/define-task.js';
import { applySteps } from '../../../tasks/install/apply-steps.js';
import { defineStep } from '../../../tasks/install/step.js';
import { hostTarget } from '../../../tasks/inventory/host-target.js';
import { runTask } from '../../../tasks/run/runner.js';
import type { RunEvent } from '../../../tasks/run/events.js';
import type { Connection } from '../../../tasks/connection/connection.js';

const hello = defineTask({ name: 'hello', help: 'h', options: {}, body: async () => 'hi' });

describe('runTask from code', () => {
  it('needs only a task and hosts: the default connection is SSH, and a refused port is an unreachable host', async () => {
    const summary = await runTask({ task: hello, hosts: [hostTarget('nobody@127.0.0.1:1')], retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
    assert.deepEqual([summary.unreachable, summary.results[0]!.status, summary.results[0]!.error?.code], [1, 'unreachable', 'host-unreachable']);
  });

  it('runs user steps with their own settings and reports each, only planning under dryRun', async () => {
    const commands: string[] = [];
    const connection = (host: ReturnType<typeof hostTarget>): Connection => ({
      host,
      exec: async (text) => {
        commands.push(text);
        return { exitCode: 0, signal: null, stdout: text.includes('cat /etc/motd') ? 'old\n' : '', stderr: '', stopped: null };
      },
      put: async () => undefined,
      putRange: async () => undefined,
      get: async () => undefined,
      close: async () => undefined,
    });
    const motd = defineStep({
      name: 'motd',
      title: 'message of the day',
      gather: async (ctx, wanted: string) => ({ current: (await ctx.run('cat /etc/motd', { quiet: true })).stdout, wanted }),
      plan: ({ current, wanted }) =>
        current === wanted ? { kind: 'unchanged', reason: 'already set' } : { kind: 'change', actions: [{ kind: 'file', description: 'write /etc/motd', path: '/etc/motd', content: wanted, mode: '0644' }] },
    });
    const task = defineTask({ name: 'lab', help: 'h', options: {}, body: (ctx) => applySteps(ctx, [motd], 'lab\n') });
    const events: RunEvent[] = [];
    const summary = await runTask({ task, hosts: [hostTarget('ops@lab1')], dryRun: true, connect: async (host) => connection(host), emit: (event) => events.push(event) });
    assert.equal(summary.ok, 1, JSON.stringify(summary.results));
    assert.deepEqual(summary.results[0]!.value, [{ step: 'motd', status: 'would-change', detail: 'write /etc/motd', notes: [], details: [] }]);
    assert.equal(commands.length, 1, 'only the read: the file was not written');
    assert.match(commands[0]!, /cat \/etc\/motd/);
    assert.ok(events.some((event) => event.type === 'step'));
  });

  it("shares one value per run among the hosts (runShared), made once with the run's hosts and parallel", async () => {
    const made: unknown[] = [];
    const shared = defineTask({
      name: 'shared',
      help: 'h',
      options: {},
      body: async (ctx) => ctx.runShared('k', (run) => {
        made.push(run);
        return { id: made.length };
      }),
    });
    const connection = (host: ReturnType<typeof hostTarget>): Connection => ({
      host,
      exec: async () => ({ exitCode: 0, signal: null, stdout: '', stderr: '', stopped: null }),
      put: async () => undefined,
      putRange: async () => undefined,
      get: async () => undefined,
      close: async () => undefined,
    });
    const hosts = [hostTarget('a'), hostTarget('b'), hostTarget('c')];
    const first = await runTask({ task: shared, hosts, parallel: 2, connect: async (host) => connection(host) });
    assert.deepEqual(first.results.map((r) => r.value), [{ id: 1 }, { id: 1 }, { id: 1 }]);
    assert.deepEqual(made, [{ hosts: ['a', 'b', 'c'], parallel: 2 }]);
    const second = await runTask({ task: shared, hosts, connect: async (host) => connection(host) });
    assert.deepEqual(second.results.map((r) => r.value), [{ id: 2 }, { id: 2 }, { id: 2 }], 'a new run, a new value');
  });
});
