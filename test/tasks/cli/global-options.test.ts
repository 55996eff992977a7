import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTaskOptions } from '../../../tasks/cli/task-options.js';
import { GLOBAL_OPTIONS, splitCommandLine, withConfig } from '../../../tasks/cli/global-options.js';
import { mainHelp } from '../../../tasks/cli/help.js';
import { defineCommand, type CliIo } from '../../../sdk/cli/command.js';
import { UsageError } from '../../../tasks/errors.js';
import { defineTask } from '../../../tasks/task/define-task.js';

describe('command line', () => {
  it('splits runner options, the task, its options and the words after --', () => {
    const line = splitCommandLine(['-H', 'a,b', 'run', '--sudo', '-P', '3', '--', 'echo', '-n', 'x']);
    assert.deepEqual(line.globals, { hosts: ['a,b'], parallel: '3' });
    assert.equal(line.task, 'run');
    assert.deepEqual(line.taskTokens, ['--sudo']);
    assert.deepEqual(line.args, ['echo', '-n', 'x']);
  });

  it('accepts --name=value and repeated options', () => {
    const line = splitCommandLine(['--hosts=a', '-H', 'b', '--known-hosts=/k', 'facts']);
    assert.deepEqual(line.globals, { hosts: ['a', 'b'], 'known-hosts': '/k' });
  });

  it('takes a short option with its value attached: -P4', () => {
    assert.deepEqual(splitCommandLine(['-P4', '-nH', 'a', 'facts']).globals, { parallel: '4', 'dry-run': true, hosts: ['a'] });
    assert.deepEqual(splitCommandLine(['--parallel', '4', 'facts']).globals, splitCommandLine(['--parallel=4', 'facts']).globals);
  });

  it('types the runner options from their specs', () => {
    const { globals } = splitCommandLine(['-H', 'a', '-P4', '--json', '-f', 'x.ts', 'facts']);
    const hosts: string[] | undefined = globals.hosts;
    const parallel: string | undefined = globals.parallel;
    const tasksFile: string | undefined = globals['tasks-file'];
    const json: boolean | undefined = globals.json;
    // @ts-expect-error --parallel is a string until numberOption checks it
    const wrong: number | undefined = globals.parallel;
    // @ts-expect-error no such runner option
    void globals.bogus;
    assert.deepEqual([hosts, parallel, tasksFile, json, wrong], [['a'], '4', 'x.ts', true, '4']);
  });

  it('parses the same specs as a cloudlet command, through the one parser', async () => {
    let seen: unknown;
    const command = defineCommand({ name: 'probe', summary: 'the runner options as a cloudlet command', operands: ['<task>'], options: GLOBAL_OPTIONS, run: async ({ values }) => ((seen = values), 0) });
    const argv = ['-P4', '--hosts=a', '-k', 'id', '--dry-run', 'facts'];
    await command.run(argv, {} as CliIo);
    assert.deepEqual(seen, splitCommandLine(argv).globals);
    for (const [long, spec] of Object.entries(GLOBAL_OPTIONS)) assert.ok(mainHelp([], '0').includes(`--${long}${spec.type === 'string' ? ` ${spec.placeholder}` : ''}  `), long);
  });

  it('refuses unknown options before the task and missing values', () => {
    assert.throws(() => splitCommandLine(['--nope']), UsageError);
    assert.throws(() => splitCommandLine(['run', '-H']), UsageError);
    assert.throws(() => splitCommandLine(['--json=yes', 'run']), UsageError);
  });
});

describe('task options', () => {
  const task = defineTask({
    name: 'demo',
    help: 'demo',
    options: {
      count: { type: 'number', help: 'n', default: 1 },
      mode: { type: 'string', help: 'm', choices: ['a', 'b'] },
      force: { type: 'boolean', help: 'f' },
    },
    async body() {
      return undefined;
    },
  });

  it('parses typed values and keeps only what the command line gave', () => {
    assert.deepEqual(parseTaskOptions(task, ['--mode', 'b', '--force'], []), { mode: 'b', force: true });
    assert.deepEqual(parseTaskOptions(task, ['--count=3'], []), { count: 3 });
  });

  it('refuses unknown options, bad numbers, bad choices and stray words', () => {
    assert.throws(() => parseTaskOptions(task, ['--nope'], []), /unknown option '--nope' for task 'demo'/);
    assert.throws(() => parseTaskOptions(task, ['--count', 'x'], []), UsageError);
    assert.throws(() => parseTaskOptions(task, ['--mode', 'c'], []), /one of a, b/);
    assert.throws(() => parseTaskOptions(task, ['word'], []), UsageError);
    assert.throws(() => parseTaskOptions(task, [], ['x']), /takes no words after/);
  });
});

describe('config defaults', () => {
  it('fill only what the command line left out; true booleans become flags', () => {
    const merged = withConfig({ parallel: '2', hosts: ['a'] }, { parallel: 4, 'connect-timeout': 2.5, 'accept-new-host-keys': true, inventory: '/lab.yml' });
    assert.deepEqual(merged, { parallel: '2', hosts: ['a'], 'connect-timeout': '2.5', 'accept-new-host-keys': true, inventory: '/lab.yml' });
    assert.deepEqual(withConfig({}, { 'accept-new-host-keys': false }), {});
  });
});
