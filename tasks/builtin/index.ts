import type { Task } from '../task/define-task.js';
import { checkTask, installTask } from '../install/install-task.js';
import { factsTask } from './facts-task.js';
import { runCommand } from './run-command.js';

/** Tasks that ship with the runner. */
export const builtinTasks: readonly Task[] = [installTask as Task, checkTask as Task, runCommand as Task, factsTask as Task];
