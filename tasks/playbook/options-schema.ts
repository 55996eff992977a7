// Step kinds that stand for a built-in task (`install`, `check`) take that task's options as
// arguments, written as inventory variables are (`vm_user` for --vm-user): one declaration,
// the task's, for the command line, the inventory and playbooks. As for the task, an argument
// left out comes from the host's inventory variable, then the option's default (hostOptions).
import { z } from 'zod';
import type { OptionSpec, OptionSpecs, OptionValues } from '../task/define-task.js';
import { hostOptions, varName } from '../task/host-options.js';
import type { TaskContext } from '../task/task-context.js';

function optionSchema(spec: OptionSpec): z.ZodType {
  const base = spec.type === 'number' ? z.number() : spec.type === 'boolean' ? z.boolean() : spec.choices ? z.enum(spec.choices as [string, ...string[]]) : z.string().min(1);
  return base.optional().describe(`${spec.help}${spec.default === undefined ? '' : ` (default ${String(spec.default)})`}`);
}

/** The zod schema of a task's options as step arguments (`min_ram_mb: 2048`); unknown keys are refused. */
export function optionsSchema(specs: OptionSpecs): z.ZodType<Record<string, string | number | boolean | undefined>> {
  return z.strictObject(Object.fromEntries(Object.entries(specs).map(([name, spec]) => [varName(name), optionSchema(spec)]))) as z.ZodType<Record<string, string | number | boolean | undefined>>;
}

/** The options one host runs with: the step's arguments (`vm_user` for `vm-user`), then its inventory variables, then the defaults. */
export function stepOptions<S extends OptionSpecs>(specs: S, args: Readonly<Record<string, unknown>>, ctx: Pick<TaskContext, 'host'>): OptionValues<S> {
  const given = Object.fromEntries(Object.keys(specs).map((name) => [name, args[varName(name)]]));
  return hostOptions(specs, given as OptionValues<OptionSpecs>, ctx.host.vars, ctx.host.name) as OptionValues<S>;
}
