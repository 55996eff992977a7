// The tasks the command offers: the built-in ones and those of the tasks file, checked as
// they are registered. A task option may not have a runner option's name: the command line
// is split before the task is known, so the runner would silently take the value.
import { builtinTasks } from '../builtin/index.js';
import { TaskDefinitionError, TaskOptionClashError } from '../errors.js';
import type { Task } from '../task/define-task.js';
import { globalOptionNamed } from './global-options.js';

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
