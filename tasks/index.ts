// The public API for writing tasks and driving the runner from code.
export { sh, secret, raw, type Command } from './command/command.js';
export { defineTask, type Task, type OptionSpecs } from './task/define-task.js';
export type { TaskContext, CommandResult, RunOptions, LocalOptions, SudoOptions, PutOptions } from './task/task-context.js';
export { defineFact, type Fact } from './facts/fact.js';
export * as facts from './facts/index.js';
export * from './errors.js';
export { runTask, type RunSettings } from './run/runner.js';
export type { RunEvent, RunSummary, HostResult } from './run/events.js';
export type { HostTarget } from './hosts/host-target.js';
