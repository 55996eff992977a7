import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../tasks/errors.js';
import { hostOptions } from '../../../tasks/task/host-options.js';
import type { OptionSpecs } from '../../../tasks/task/define-task.js';

const specs: OptionSpecs = {
  'min-disk-gb': { type: 'number', help: '', default: 10 },
  mode: { type: 'string', help: '', choices: ['a', 'b'] },
  force: { type: 'boolean', help: '' },
};

describe('per-host task options', () => {
  it('takes the command line first, then the inventory variable, then the default', () => {
    assert.deepEqual(hostOptions(specs, {}, {}, 'h'), { 'min-disk-gb': 10, mode: undefined, force: undefined });
    assert.deepEqual(hostOptions(specs, {}, { min_disk_gb: 40, mode: 'b', force: true }, 'h'), { 'min-disk-gb': 40, mode: 'b', force: true });
    assert.deepEqual(hostOptions(specs, { 'min-disk-gb': 5 }, { min_disk_gb: 40 }, 'h'), { 'min-disk-gb': 5, mode: undefined, force: undefined });
  });

  it('refuses an inventory variable of the wrong type or outside the choices, naming the host', () => {
    assert.throws(() => hostOptions(specs, {}, { min_disk_gb: '40' }, 'lab1'), (error: unknown) => error instanceof UsageError && /lab1: inventory variable min_disk_gb must be a number/.test(error.message));
    assert.throws(() => hostOptions(specs, {}, { mode: 'c' }, 'lab1'), UsageError);
  });
});
