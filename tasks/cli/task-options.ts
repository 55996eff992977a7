// Parses the options a task declares (typed: string, number, boolean, choices).
import { UsageError } from '../errors.js';
import type { OptionSpecs, OptionValues, Task } from '../task/define-task.js';

export function parseTaskOptions(task: Task, tokens: readonly string[], args: readonly string[]): OptionValues<OptionSpecs> {
  // Only what the command line says; defaults and inventory variables are applied per host (task/host-options.ts).
  const values: Record<string, string | number | boolean | undefined> = {};
  for (let i = 0; i < tokens.length; i += 1) {
    const raw = tokens[i]!;
    if (!raw.startsWith('--')) {
      throw new UsageError(`task '${task.name}' takes no word '${raw}'${task.acceptsArgs ? "; put the command after '--'" : ''}`);
    }
    const eq = raw.indexOf('=');
    const name = eq === -1 ? raw.slice(2) : raw.slice(2, eq);
    const spec = task.options[name];
    if (!spec) {
      const known = Object.keys(task.options).map((n) => `--${n}`).join(', ') || 'none';
      throw new UsageError(`unknown option '--${name}' for task '${task.name}' (its options: ${known})`);
    }
    if (spec.type === 'boolean') {
      if (eq !== -1) throw new UsageError(`option --${name} of task '${task.name}' takes no value`);
      values[name] = true;
      continue;
    }
    const text = eq === -1 ? tokens[++i] : raw.slice(eq + 1);
    if (text === undefined) throw new UsageError(`option --${name} of task '${task.name}' needs a value`);
    if (spec.type === 'number') {
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
