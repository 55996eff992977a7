// Option types as task bodies see them: the compile of this file is half the test (an
// option with a default is its plain type; one without may be undefined), the runner
// applying the defaults is the other half.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Masker } from '../../../tasks/command/masker.js';
import type { Connection } from '../../../tasks/connection/connection.js';
import type { HostTarget } from '../../../tasks/inventory/host-target.js';
import { runTask } from '../../../tasks/run/runner.js';
import { defineTask, type Task } from '../../../tasks/task/define-task.js';

/** True only when A and B are the same type (not merely assignable). */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

const sized = defineTask({
  name: 'sized',
  help: 'returns its options',
  options: {
    'min-ram-mb': { type: 'number', help: 'n', default: 1024 },
    mode: { type: 'string', help: 'm', choices: ['fast', 'slow'], default: 'fast' },
    quiet: { type: 'boolean', help: 'q', default: false },
    label: { type: 'string', help: 'l' },
    verbose: { type: 'boolean', help: 'v' },
  },
  async body(ctx) {
    const ram: number = ctx.options['min-ram-mb'];
    const mode: string = ctx.options.mode;
    const quiet: boolean = ctx.options.quiet;
    // @ts-expect-error an option without a default may be absent
    const label: string = ctx.options.label;
    const exact: [Equal<typeof ctx.options.label, string | undefined>, Equal<typeof ctx.options.verbose, boolean | undefined>, Equal<typeof ram, number>] = [true, true, true];
    return { ram, mode, quiet, label, verbose: ctx.options.verbose, exact };
  },
});

defineTask({
  name: 'mistyped',
  help: 'a default of the wrong type does not compile',
  // @ts-expect-error a number option with a string default
  options: { count: { type: 'number', help: 'n', default: 'three' } },
  body: async () => undefined,
});

const host: HostTarget = { name: 'h1', address: '192.0.2.1', port: 22, user: 'ops', identityFiles: [], jumps: [], knownHostsFiles: [], vars: {}, groups: [] };

/** Runs the task through the runner on a host whose connection refuses every command: the body runs none. */
async function valueOf(task: Task, options: Record<string, unknown>, vars: Record<string, unknown> = {}): Promise<unknown> {
  const refuse = (): Promise<never> => Promise.reject(new Error('the body ran a command'));
  const connection: Connection = { host, exec: refuse, put: refuse, putRange: refuse, get: refuse, close: async () => undefined };
  const summary = await runTask({
    task,
    options: options as never,
    args: [],
    hosts: [{ ...host, vars }],
    parallel: 1,
    failFast: false,
    retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 },
    dryRun: false,
    connect: async () => connection,
    masker: new Masker(),
    emit: () => undefined,
  });
  assert.equal(summary.results[0]!.status, 'ok', JSON.stringify(summary.results[0]));
  return summary.results[0]!.value;
}

describe('task option defaults', () => {
  it('are applied before the body runs, so an option with a default is always set', async () => {
    assert.deepEqual(await valueOf(sized as Task, {}), { ram: 1024, mode: 'fast', quiet: false, label: undefined, verbose: undefined, exact: [true, true, true] });
  });

  it('give way to the command line and to inventory variables', async () => {
    const fromLine = (await valueOf(sized as Task, { 'min-ram-mb': 4096, label: 'x' })) as Record<string, unknown>;
    assert.deepEqual([fromLine['ram'], fromLine['label']], [4096, 'x']);
    const fromVars = (await valueOf(sized as Task, {}, { min_ram_mb: 2048, mode: 'slow' })) as Record<string, unknown>;
    assert.deepEqual([fromVars['ram'], fromVars['mode']], [2048, 'slow']);
  });
});
