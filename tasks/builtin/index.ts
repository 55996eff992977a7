import type { Task } from '../task/define-task.js';
import { checkTask, installTask } from '../install/install-task.js';
import { factsTask } from './facts-task.js';
import { basesTask, vmsTask } from './listing-tasks.js';
import { overlayTask } from './overlay-task.js';
import { pushBaseTask } from './push-base-task.js';
import { delBaseTask, destroyTask } from './removal-tasks.js';
import { synthesisTask } from './synthesis-task.js';
import { runCommand } from './run-command.js';

/** Tasks that ship with the runner. */
export const builtinTasks: readonly Task[] = [
  installTask,
  checkTask,
  runCommand,
  factsTask,
  pushBaseTask,
  synthesisTask,
  overlayTask,
  vmsTask,
  basesTask,
  destroyTask,
  delBaseTask,
] as Task[];
