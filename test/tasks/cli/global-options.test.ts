import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTaskOptions } from '../../../tasks/cli/task-options.js';
import { splitCommandLine, withConfig } from '../../../tasks/cli/global-options.js';
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
