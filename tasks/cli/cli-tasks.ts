// The tasks the command offers: the built-in ones and those of the tasks file, checked as
// they are registered. A task option may not have a runner option's name: the command line
// is split before the task is known, so the runner would silently take the value.
import { builtinTasks } from '../builtin/index.js';
import { TaskDefinitionError, TaskOptionClashError, UsageError } from '../errors.js';
import type { Task } from '../task/define-task.js';
import { findTasksFile, loadTasksFile } from '../task/load-tasks-file.js';
import { globalOptionNamed } from './global-options.js';

export interface CliTasks {
  readonly tasks: readonly Task[];
  /** Why the tasks file found in the working directory was left out. */
  readonly skipped?: UsageError;
}

/** Adds `tasks` to `known`, refusing a name taken by another task and options named like runner options. */
export function registerTasks(known: readonly Task[], tasks: readonly Task[], source: string): Task[] {
  const out = [...known];
  for (const task of tasks) {
    for (const option of Object.keys(task.options)) {
      const clash = globalOptionNamed(option);
      if (clash) throw new TaskOptionClashError(task.name, source, option, clash);
    }
    if (out.some((other) => other.name === task.name)) throw new TaskDefinitionError(task.name, source, 'another task has this name');
    out.push(task);
  }
  return out;
}

/** The built-in tasks, checked like any other. */
export function builtinTaskList(): Task[] {
  return registerTasks([], builtinTasks, 'built-in');
}

/**
 * The built-in tasks plus those of the tasks file. A file named with -f must load. One that
 * was only found in the working directory is left out when it fails, so that --help and the
 * built-in tasks still work there; the caller warns with `skipped`.
 */
export async function cliTasks(given: string | undefined, cwd: string): Promise<CliTasks> {
  const builtins = builtinTaskList();
  const file = await findTasksFile(given, cwd);
  if (!file) return { tasks: builtins };
  try {
    return { tasks: registerTasks(builtins, await loadTasksFile(file), file) };
  } catch (error) {
    if (given !== undefined || !(error instanceof UsageError)) throw error;
    return { tasks: builtins, skipped: error };
  }
}
