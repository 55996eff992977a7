import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTaskOptions } from '../../../tasks/cli/task-options.js';
import { taskHelp } from '../../../tasks/cli/help.js';
import { UsageError } from '../../../tasks/errors.js';
import { defineTask, type Task } from '../../../tasks/task/define-task.js';

const synthesis = defineTask({
  name: 'demo-synthesis',
  help: 'demo',
  operands: ['base', 'overlay'],
  options: { base: { type: 'string', help: 'b' }, overlay: { type: 'string', help: 'o' }, name: { type: 'string', help: 'n' } },
  async body() {
    return undefined;
  },
}) as unknown as Task;

describe('task operands: options written as plain words', () => {
  it('fills the operands in order, beside named options', () => {
    assert.deepEqual(parseTaskOptions(synthesis, ['abc', 'web.zip', '--name', 'w'], []), { base: 'abc', overlay: 'web.zip', name: 'w' });
    assert.deepEqual(parseTaskOptions(synthesis, ['--overlay', 'web.zip', 'abc'], []), { base: 'abc', overlay: 'web.zip' });
  });

  it('refuses a word too many and an operand given twice', () => {
    assert.throws(() => parseTaskOptions(synthesis, ['a', 'b', 'c'], []), (error: unknown) => error instanceof UsageError && /takes no word 'c'/.test(error.message));
    assert.throws(() => parseTaskOptions(synthesis, ['--base', 'a', 'b', 'c'], []), (error: unknown) => error instanceof UsageError && /base is given twice/.test(error.message));
  });

  it('shows them in the usage line, and a task cannot name an operand it lacks', () => {
    assert.match(taskHelp(synthesis), /usage: cloudlet-tasks \[options\] demo-synthesis BASE OVERLAY \[task options\]/);
    assert.throws(() => defineTask({ name: 'bad', help: 'x', operands: ['nope'], options: {}, body: async () => undefined }), /operand 'nope' is none of its options/);
  });
});
