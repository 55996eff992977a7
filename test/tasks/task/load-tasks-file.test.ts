// Tasks files load the same in CommonJS and ES module projects, and a file that cannot be
// loaded is a TasksFileError naming the file and what is wrong, with the line.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { TasksFileError } from '../../../tasks/errors.js';
import { loadTasksFile } from '../../../tasks/task/load-tasks-file.js';
import { tempProject, type TempProject } from '../../fixtures/tasks/temp-project.js';

/** TypeScript that only an ES module can be: top-level await and import.meta, plus types and a relative import. */
const ESM_TASKS = `import { defineTask, sh } from 'cloudlet-tasks/tasks';
import { suffix } from './lib/suffix.ts';
interface Greeting { readonly text: string }
const greeting: Greeting = { text: await Promise.resolve('hello') };
export const where = new URL('.', import.meta.url).pathname;
export const hello = defineTask({
  name: 'hello',
  help: \`say \${greeting.text}\${suffix}\`,
  options: { times: { type: 'number', help: 'how often', default: 1 } },
  async body(ctx) {
    return (await ctx.run(sh\`printf '%s from %s' \${greeting.text} "$(hostname)"\`)).stdout;
  },
});
`;
const SUFFIX = "export const suffix: string = '!';\n";
const CJS_TASKS = `import { defineTask } from 'cloudlet-tasks/tasks';
export const legacy = defineTask({ name: 'legacy', help: 'written as CommonJS', options: {}, body: async () => typeof require });
`;

async function failure(path: string): Promise<TasksFileError> {
  try {
    await loadTasksFile(path);
  } catch (error) {
    assert.ok(error instanceof TasksFileError, `expected TasksFileError, got ${String(error)}`);
    return error;
  }
  assert.fail(`${path} loaded`);
}

describe('loading a tasks file', () => {
  const projects: TempProject[] = [];
  const project = (type: 'commonjs' | 'module', files: Record<string, string>): TempProject => {
    const made = tempProject(type, files);
    projects.push(made);
    return made;
  };
  after(() => projects.forEach((p) => p.remove()));

  for (const type of ['commonjs', 'module'] as const) {
    it(`loads a .ts file as an ES module in a "type": "${type}" project`, async () => {
      const dir = project(type, { 'cloudlet-tasks.ts': ESM_TASKS, 'lib/suffix.ts': SUFFIX });
      const [hello] = await loadTasksFile(dir.path('cloudlet-tasks.ts'));
      assert.equal(hello!.name, 'hello');
      assert.equal(hello!.help, 'say hello!');
    });
  }

  it('loads .mts as an ES module and .cts as CommonJS, by their names', async () => {
    const dir = project('commonjs', { 'tasks.mts': ESM_TASKS.replace('./lib/suffix.ts', './lib/suffix.mts'), 'lib/suffix.mts': SUFFIX, 'tasks.cts': CJS_TASKS });
    assert.equal((await loadTasksFile(dir.path('tasks.mts')))[0]!.help, 'say hello!');
    const [legacy] = await loadTasksFile(dir.path('tasks.cts'));
    assert.equal(await legacy!.body({} as never), 'function');
  });

  it('names the file, the line and the column of a syntax error', async () => {
    const dir = project('commonjs', { 'cloudlet-tasks.ts': "import { defineTask } from 'cloudlet-tasks/tasks';\nconst count: = 3;\n" });
    const error = await failure(dir.path('cloudlet-tasks.ts'));
    assert.equal(error.file, dir.path('cloudlet-tasks.ts'));
    assert.match(error.detail, /^line 2, column 14: Unexpected "="$/);
  });

  it('says which package is missing, and where a top-level throw happened', async () => {
    const dir = project('module', {
      'missing.ts': "import 'no-such-package-here';\n",
      'throws.ts': "import { defineTask } from 'cloudlet-tasks/tasks';\n\nexport const bad = defineTask({ name: 'Bad_Name', help: '', options: {}, body: async () => 1 });\n",
      'none.ts': 'export const value = 1;\n',
    });
    assert.match((await failure(dir.path('missing.ts'))).detail, /^Cannot find package 'no-such-package-here' imported from \S+missing\.ts$/);
    assert.match((await failure(dir.path('throws.ts'))).detail, /^task name 'Bad_Name' must be kebab-case \(at line 3, column \d+\)$/);
    assert.match((await failure(dir.path('none.ts'))).detail, /exports no task/);
  });

  it('tells how to write an ES module when a .js file of a CommonJS project uses import', async () => {
    const dir = project('commonjs', { 'cloudlet-tasks.js': "import { defineTask } from 'cloudlet-tasks/tasks';\n" });
    assert.match((await failure(dir.path('cloudlet-tasks.js'))).detail, /Cannot use import statement outside a module.*name it \.ts or \.mjs/);
  });
});
