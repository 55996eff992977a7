// Loads the operator's own tasks: every export of a tasks file made with defineTask.
// TypeScript files are loaded through tsx, so tasks need no build step.
import { access } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from '../errors.js';
import { isTask, type Task } from './define-task.js';

/** The files looked for in the working directory when -f is not given. */
export const DEFAULT_TASKS_FILES = ['cloudlet-tasks.ts', 'cloudlet-tasks.mjs', 'cloudlet-tasks.js'];

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** Finds the tasks file to load: the given one (which must exist) or a default one, if any. */
export async function findTasksFile(given: string | undefined, cwd: string): Promise<string | undefined> {
  if (given !== undefined) {
    const path = resolve(cwd, given);
    if (!(await exists(path))) throw new UsageError(`tasks file not found: ${path}`);
    return path;
  }
  for (const name of DEFAULT_TASKS_FILES) {
    const path = resolve(cwd, name);
    if (await exists(path)) return path;
  }
  return undefined;
}

export async function loadTasksFile(path: string): Promise<Task[]> {
  let module: Record<string, unknown>;
  try {
    if (/\.[cm]?ts$/.test(path)) {
      const { tsImport } = await import('tsx/esm/api');
      module = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
    } else {
      module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
    }
  } catch (error) {
    throw new UsageError(`cannot load tasks file ${path}: ${(error as Error).message.split('\n')[0]}`);
  }
  const tasks = Object.values(module).filter(isTask);
  if (tasks.length === 0) throw new UsageError(`tasks file ${path} exports no task (use defineTask)`);
  return tasks;
}
