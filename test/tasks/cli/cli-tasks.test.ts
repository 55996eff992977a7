import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { builtinTaskList, registerTasks } from '../../../tasks/cli/cli-tasks.js';
import { TaskDefinitionError, TaskOptionClashError } from '../../../tasks/errors.js';
import { defineTask, type OptionSpecs } from '../../../tasks/task/define-task.js';
import { runCli } from '../../fixtures/run-cli.js';

const CLASHING = fileURLToPath(new URL('../../../../test/fixtures/tasks/clashing-tasks.ts', import.meta.url));

function taskWith(name: string, options: OptionSpecs): ReturnType<typeof defineTask> {
  return defineTask({ name, help: name, options, body: async () => undefined });
}

describe('registering tasks', () => {
  it('accepts the built-in tasks; install names its VM user --vm-user', () => {
    const install = builtinTaskList().find((task) => task.name === 'install')!;
    assert.ok('vm-user' in install.options);
    assert.ok(!('user' in install.options));
  });

  it('refuses a task option named like a runner option, naming both', () => {
    for (const [option, global] of [['user', '-u/--user'], ['hosts', '-H/--hosts'], ['dry-run', '-n/--dry-run'], ['known-hosts', '--known-hosts']]) {
      assert.throws(
        () => registerTasks(builtinTaskList(), [taskWith('demo', { [option!]: { type: 'string', help: 'x' } })], 'tasks.ts'),
        (error: unknown) =>
          error instanceof TaskOptionClashError && error.task === 'demo' && error.option === option && error.globalOption === global && error.source === 'tasks.ts',
      );
    }
  });

  it('refuses a second task of the same name', () => {
    assert.throws(
      () => registerTasks(builtinTaskList(), [taskWith('facts', {})], 'tasks.ts'),
      (error: unknown) => error instanceof TaskDefinitionError && error.task === 'facts' && error.source === 'tasks.ts',
    );
  });

  it('answers a tasks file with a clashing option with exit code 2 and one line naming the file and both options', async () => {
    const run = await runCli(['-f', CLASHING, '--help']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /task 'adduser' \(.*clashing-tasks\.ts\): its option --user has the name of the runner's option -u\/--user/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });
});
