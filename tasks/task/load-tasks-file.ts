// Loads the operator's own tasks: every export of a tasks file made with defineTask.
// TypeScript files are loaded through tsx, so tasks need no build step. A `.ts` file is
// always an ES module (see esm-typescript-hook.ts), `.mts`/`.mjs` are ES modules and
// `.cts`/`.cjs` CommonJS by their names; a `.js` file follows its package.json "type", as
// Node decides.
import { access } from 'node:fs/promises';
import { register } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TasksFileError, UsageError } from '../errors.js';
import { isTask, type Task } from './define-task.js';
import { ESM_MARK } from './esm-typescript-hook.js';

/** The files looked for in the working directory when -f is not given, in this order. */
export const DEFAULT_TASKS_FILES = ['cloudlet-tasks.ts', 'cloudlet-tasks.mts', 'cloudlet-tasks.cts', 'cloudlet-tasks.mjs', 'cloudlet-tasks.cjs', 'cloudlet-tasks.js'];

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

let hookRegistered = false;

/** Imports a tasks file or a TypeScript playbook: TypeScript through tsx, JavaScript as Node loads it. */
export async function importFile(path: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(path);
  if (!/\.[cm]?ts$/.test(path)) return (await import(url.href)) as Record<string, unknown>;
  if (path.endsWith('.ts')) {
    if (!hookRegistered) register('./esm-typescript-hook.js', import.meta.url);
    hookRegistered = true;
    url.searchParams.set(ESM_MARK, '');
  }
  const { tsImport } = await import('tsx/esm/api');
  return (await tsImport(url.href, import.meta.url)) as Record<string, unknown>;
}

/**
 * What went wrong, in one line and without our loader's query on the file name: the
 * compiler's messages with their positions, or the error and the line of the file that threw.
 */
export function loadFailure(error: unknown, path: string): string {
  if (!(error instanceof Error)) return String(error);
  const file = `(?:${escape(pathToFileURL(path).href)}|${escape(path)})(?:\\?[^\\s:'")]*)?`;
  // esbuild (through tsx) says "Transform failed with N errors:", then "file:line:col: ERROR: text"
  // per error, its columns counted from 0.
  const text = error.message
    .split('\n')
    .map((line) => line.trim().replace(/: ERROR: /, ': '))
    .filter((line) => line !== '' && !/^Transform failed with \d+ errors?:$/.test(line))
    .join('; ')
    .replace(new RegExp(`${file}:(\\d+):(\\d+): `, 'g'), (_, line: string, column: string) => `line ${line}, column ${Number(column) + 1}: `)
    .replace(new RegExp(file, 'g'), path);
  const hint = path.endsWith('.js') && /Cannot use import statement outside a module/.test(text)
    ? '; a .js file is CommonJS in a "type": "commonjs" package: name it .ts or .mjs to write it with import'
    : '';
  if (/\bline \d+/.test(text)) return `${text}${hint}`;
  const at = new RegExp(`${file}:(\\d+)(?::(\\d+))?`).exec(error.stack ?? '');
  return `${at ? `${text || error.name} (at line ${at[1]}${at[2] ? `, column ${at[2]}` : ''})` : text || error.name}${hint}`;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export async function loadTasksFile(path: string): Promise<Task[]> {
  let module: Record<string, unknown>;
  try {
    module = await importFile(path);
  } catch (error) {
    throw new TasksFileError(path, loadFailure(error, path), { cause: error });
  }
  const tasks = Object.values(module).filter(isTask);
  if (tasks.length === 0) throw new TasksFileError(path, 'it exports no task (declare them with defineTask and export them)');
  return tasks;
}
