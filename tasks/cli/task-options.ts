// Parses the options a task declares (typed: string, number, boolean, choices) with the parser
// both CLIs share (sdk/cli/args.ts); taskHelp lists them from the same specs.
import { parseOptions, type OptionSpecs as ArgSpecs } from '../../sdk/cli/args.js';
import { UsageError } from '../errors.js';
import type { OptionSpecs, OptionValues, Task } from '../task/define-task.js';

/**
 * A task's options as the shared parser reads them and taskHelp lists them: a number is a string
 * (shown as N) until parseTaskOptions checks it.
 *
 * @example taskArgSpecs(run) // { sudo: { type: 'boolean', … }, 'as-user': { type: 'string', placeholder: 'VALUE', … } }
 */
export function taskArgSpecs(task: Task): ArgSpecs {
  return Object.fromEntries(
    Object.entries(task.options).map(([name, spec]) => [
      name,
      spec.type === 'boolean' ? { type: 'boolean', help: spec.help } : { type: 'string', placeholder: spec.type === 'number' ? 'N' : 'VALUE', help: spec.help },
    ]),
  );
}

/**
 * The options the command line gives a task, typed and checked (numbers, choices, the task's own
 * validate); words outside `--` are refused, and so are words after `--` for a task that takes none.
 *
 * @example parseTaskOptions(demo, ['--count=3', '--force'], []) // { count: 3, force: true }
 */
export function parseTaskOptions(task: Task, tokens: readonly string[], args: readonly string[]): OptionValues<OptionSpecs> {
  const known = Object.keys(task.options).map((n) => `--${n}`).join(', ') || 'none';
  const { values: parsed, positionals } = parseOptions(tokens, taskArgSpecs(task), {
    of: ` of task '${task.name}'`,
    unknown: (option) => `unknown option '${option}' for task '${task.name}' (its options: ${known})`,
  });
  const given: Record<string, string | boolean | readonly (string | boolean)[] | undefined> = { ...parsed };
  // Operands are options written without their name: `push-base ARCHIVE` is `push-base --base ARCHIVE`.
  const operands = task.operands ?? [];
  positionals.forEach((word, index) => {
    const name = operands[index];
    if (name === undefined) throw new UsageError(`task '${task.name}' takes no word '${word}'${task.acceptsArgs ? "; put the command after '--'" : ''}`);
    if (given[name] !== undefined) throw new UsageError(`task '${task.name}': ${name} is given twice, as --${name} and as '${word}'`);
    given[name] = word;
  });
  // Only what the command line says; defaults and inventory variables are applied per host (task/host-options.ts).
  const values: Record<string, string | number | boolean> = {};
  for (const [name, text] of Object.entries(given)) {
    const spec = task.options[name]!;
    if (typeof text !== 'string') values[name] = true;
    else if (spec.type === 'number') {
      const number = Number(text);
      if (!Number.isFinite(number)) throw new UsageError(`option --${name} of task '${task.name}' must be a number, got '${text}'`);
      values[name] = number;
    } else {
      if (spec.choices && !spec.choices.includes(text)) {
        throw new UsageError(`option --${name} of task '${task.name}' must be one of ${spec.choices.join(', ')}, got '${text}'`);
      }
      values[name] = text;
    }
  }
  if (args.length > 0 && !task.acceptsArgs) throw new UsageError(`task '${task.name}' takes no words after '--'`);
  const withDefaults = Object.fromEntries(Object.entries(task.options).map(([name, spec]) => [name, values[name] ?? spec.default]));
  task.validate?.(withDefaults, args);
  return values;
}
