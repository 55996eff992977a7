// How tasks are written: a name, a help line, typed options and an async body that gets a
// task context per host.
//
//   export const uptime = defineTask({
//     name: 'uptime', help: 'Show how long each host has been up',
//     options: { pretty: { type: 'boolean', help: 'human-readable' } },
//     async body(ctx) { return (await ctx.run(sh`uptime ${ctx.options.pretty ? '-p' : ''}`)).stdout.trim(); },
//   });
import type { HostResult } from '../run/events.js';
import type { TaskContext } from './task-context.js';

/** The type of a task option. */
export type OptionType = 'string' | 'boolean' | 'number';

/** One option; a union over the types, so a default must have its option's type. */
export type OptionSpec<T extends OptionType = OptionType> = T extends OptionType
  ? {
      readonly type: T;
      readonly help: string;
      readonly default?: OptionValue<T>;
      /** Allowed values for string options. */
      readonly choices?: readonly string[];
    }
  : never;

/** The value type of an option type. */
export type OptionValue<T extends OptionType> = T extends 'string' ? string : T extends 'number' ? number : boolean;

/** The options of a task, by name. */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Options declared with a default are always set when a body runs (task/host-options.ts). */
type Absent<S> = S extends { readonly default: infer D } ? (undefined extends D ? undefined : never) : undefined;

/** The options a body receives: an option with a default has its type, one without may be undefined. */
export type OptionValues<S extends OptionSpecs> = { readonly [K in keyof S]: OptionValue<S[K]['type']> | Absent<S[K]> };

/** A task: name, help, typed options and the body run on each host. Declare one with defineTask. */
export interface Task<S extends OptionSpecs = OptionSpecs> {
  readonly name: string;
  readonly help: string;
  readonly options: S;
  /** Options that may also be given as plain words, in this order (`push-base ARCHIVE` for `--base ARCHIVE`). */
  readonly operands?: readonly string[];
  /** Accepts words after `--` (ad-hoc commands); false rejects them. */
  readonly acceptsArgs?: boolean;
  /** Checks options and args before any host is contacted; throw UsageError to refuse. */
  validate?(options: OptionValues<S>, args: readonly string[]): void;
  /** Lines people read after the run (not under --json), such as one table across hosts. */
  report?(results: readonly HostResult[]): readonly string[];
  /** Runs on each host; what it returns is the host's result `value`. */
  body(ctx: TaskContext<OptionValues<S>>): Promise<unknown>;
}

const TASK_MARK = Symbol.for('cloudlet-tasks.task');

/** Declares a task; the result can be exported from a tasks file (-f) or registered built in. */
export function defineTask<S extends OptionSpecs>(task: Task<S>): Task<S> {
  if (!/^[a-z][a-z0-9-]*$/.test(task.name)) throw new Error(`task name '${task.name}' must be kebab-case`);
  const stray = task.operands?.find((operand) => !(operand in task.options));
  if (stray !== undefined) throw new Error(`task '${task.name}': operand '${stray}' is none of its options`);
  return Object.assign(Object.create({ [TASK_MARK]: true }) as object, task) as Task<S>;
}

export function isTask(value: unknown): value is Task {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[TASK_MARK] === true;
}
