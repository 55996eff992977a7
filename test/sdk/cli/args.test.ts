// The one argument parser of both CLIs (sdk/cli/args.ts): every spelling of an option, `--`,
// typed results, and the `[options] OPERAND [its options] [-- rest]` shape of cloudlet-tasks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { optionLabel, optionSynopsis, parseOperandLine, parseOptions, type OptionSpecs } from '../../../sdk/cli/args.js';
import { UsageError } from '../../../sdk/cli/index.js';

const OPTIONS = {
  parallel: { type: 'string', short: 'P', placeholder: 'N', help: 'at once' },
  hosts: { type: 'string', short: 'H', multiple: true },
  'dry-run': { type: 'boolean', short: 'n' },
} as const satisfies OptionSpecs;

describe('parseOptions', () => {
  it('reads -P4, -P 4, --parallel=4 and --parallel 4 alike', () => {
    for (const args of [['-P4'], ['-P', '4'], ['--parallel=4'], ['--parallel', '4']]) {
      assert.deepEqual(parseOptions(args, OPTIONS).values, { parallel: '4' }, args.join(' '));
    }
  });

  it('reads grouped short flags, repeated options and the words after --', () => {
    const parsed = parseOptions(['-nP4', '-H', 'a', '--hosts=b', 'x', '--', '-n', 'y'], OPTIONS);
    assert.deepEqual(parsed.values, { 'dry-run': true, parallel: '4', hosts: ['a', 'b'] });
    assert.deepEqual(parsed.positionals, ['x', '-n', 'y']);
  });

  it('types the values from the specs', () => {
    const { values } = parseOptions([], OPTIONS);
    const parallel: string | undefined = values.parallel;
    const hosts: string[] | undefined = values.hosts;
    const dryRun: boolean | undefined = values['dry-run'];
    // @ts-expect-error a multiple option is a list, not a string
    const wrong: string | undefined = values.hosts;
    assert.deepEqual([parallel, hosts, dryRun, wrong], [undefined, undefined, undefined, undefined]);
  });

  it('refuses unknown options, missing values and values of flags as usage errors, worded per CLI', () => {
    assert.throws(() => parseOptions(['--nope'], OPTIONS), { name: 'UsageError', message: "unknown option '--nope'" });
    assert.throws(() => parseOptions(['-P'], OPTIONS), { message: 'option --parallel needs a value (N)' });
    assert.throws(() => parseOptions(['--dry-run=yes'], OPTIONS, { of: " of task 't'" }), { message: "option --dry-run of task 't' takes no value" });
    assert.throws(() => parseOptions(['-x'], OPTIONS, { unknown: (option) => `no ${option} here` }), { message: 'no -x here' });
    assert.throws(() => parseOptions(['-H'], OPTIONS), UsageError);
  });
});

describe('parseOperandLine', () => {
  it('takes options before the operand, leaves its own after it, and the words after --', () => {
    const line = parseOperandLine(['-P4', 'run', '--sudo', '--mode', 'x', '-n', '--', 'echo', '-n'], OPTIONS);
    assert.deepEqual(line.values, { parallel: '4', 'dry-run': true });
    assert.equal(line.operand, 'run');
    assert.deepEqual(line.operandArgs, ['--sudo', '--mode', 'x']);
    assert.deepEqual(line.rest, ['echo', '-n']);
  });

  it('refuses an unknown option before the operand', () => {
    assert.throws(() => parseOperandLine(['--sudo', 'run'], OPTIONS), UsageError);
    assert.deepEqual(parseOperandLine(['-H', 'a'], OPTIONS), { values: { hosts: ['a'] }, operandArgs: [], rest: [] });
  });
});

describe('usage from the specs', () => {
  it('names an option as a synopsis and as a help row', () => {
    assert.equal(optionSynopsis('parallel', OPTIONS.parallel), '[--parallel N]');
    assert.equal(optionSynopsis('hosts', OPTIONS.hosts), '[--hosts HOSTS ...]');
    assert.equal(optionLabel('parallel', OPTIONS.parallel), '-P, --parallel N');
    assert.equal(optionLabel('dry-run', OPTIONS['dry-run']), '-n, --dry-run');
  });
});
