// Which tasks the command offers: built-in ones, a tasks file's (found or given), checked
// for names that clash; a broken tasks file that was only found does not block the rest.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { builtinTaskList, registerTasks } from '../../../tasks/cli/cli-tasks.js';
import { TaskDefinitionError, TaskOptionClashError } from '../../../tasks/errors.js';
import { defineTask, type OptionSpecs } from '../../../tasks/task/define-task.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';
import { tempProject, type TempProject } from '../../fixtures/tasks/temp-project.js';

const CLASHING = fileURLToPath(new URL('../../../../test/fixtures/tasks/clashing-tasks.ts', import.meta.url));

function taskWith(name: string, options: OptionSpecs): ReturnType<typeof defineTask> {
  return defineTask({ name, help: name, options, body: async () => undefined });
}

describe('registering tasks', () => {
  it('accepts the built-in tasks; install names its VM user --vm-user', () => {
    const install = builtinTaskList().find((task) => task.name === 'install')!;
    assert.ok('vm-user' in install.options);
    assert.ok(!('user' in install.options));
  });

  it('refuses a task option named like a runner option, naming both', () => {
    for (const [option, global] of [['user', '-u/--user'], ['hosts', '-H/--hosts'], ['dry-run', '-n/--dry-run'], ['known-hosts', '--known-hosts']]) {
      assert.throws(
        () => registerTasks(builtinTaskList(), [taskWith('demo', { [option!]: { type: 'string', help: 'x' } })], 'tasks.ts'),
        (error: unknown) =>
          error instanceof TaskOptionClashError && error.task === 'demo' && error.option === option && error.globalOption === global && error.source === 'tasks.ts',
      );
    }
  });

  it('refuses a second task of the same name', () => {
    assert.throws(
      () => registerTasks(builtinTaskList(), [taskWith('facts', {})], 'tasks.ts'),
      (error: unknown) => error instanceof TaskDefinitionError && error.task === 'facts' && error.source === 'tasks.ts',
    );
  });

  it('answers a tasks file with a clashing option with exit code 2 and one line naming the file and both options', async () => {
    const run = await runCli(['-f', CLASHING, '--help']);
    assert.equal(run.code, 2, run.stdout + run.stderr);
    assert.match(run.stderr, /task 'adduser' \(.*clashing-tasks\.ts\): its option --user has the name of the runner's option -u\/--user/);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
  });
});

const HELLO = `import { defineTask, sh } from 'cloudlet-tasks/tasks';
const greeting: string = await Promise.resolve('hello');
export const hello = defineTask({
  name: 'hello',
  help: 'greet from each host',
  options: {},
  async body(ctx) {
    return (await ctx.run(sh\`printf '%s from %s' \${greeting} "$(hostname)"\`)).stdout;
  },
});
`;
const BROKEN = "import { defineTask } from 'cloudlet-tasks/tasks';\nexport const hello = defineTask({ name: 'hello', help: 'x', options: {}, body: async () => missing() });\nmissing();\n";

describe('tasks files in operator projects', () => {
  const projects: TempProject[] = [];
  after(() => projects.forEach((p) => p.remove()));
  const project = (type: 'commonjs' | 'module', files: Record<string, string>): TempProject => {
    const made = tempProject(type, files);
    projects.push(made);
    return made;
  };

  for (const type of ['commonjs', 'module'] as const) {
    it(`lists the tasks of ./cloudlet-tasks.ts in a "type": "${type}" project`, async () => {
      const dir = project(type, { 'cloudlet-tasks.ts': HELLO });
      const run = await runCli(['--help'], { cwd: dir.dir });
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /^ {2}hello +greet from each host$/m);
      assert.equal(run.stderr, '');
    });
  }

  it('keeps --help, --version and built-in tasks working next to a broken ./cloudlet-tasks.ts, with a warning', async () => {
    const dir = project('commonjs', { 'cloudlet-tasks.ts': BROKEN });
    const help = await runCli(['--help'], { cwd: dir.dir });
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, /^ {2}facts /m);
    assert.match(help.stderr, /warning: cannot load tasks file \S+cloudlet-tasks\.ts: missing is not defined \(at line 3, column 1\); only the built-in tasks are available/);
    const version = await runCli(['--version'], { cwd: dir.dir });
    assert.deepEqual([version.code, version.stdout.trim()], [0, '0.1.0']);
    const taskHelp = await runCli(['run', '--help'], { cwd: dir.dir });
    assert.equal(taskHelp.code, 0);
  });

  it('answers a task of the broken file, or the file given with -f, with the load error and exit code 2', async () => {
    const dir = project('commonjs', { 'cloudlet-tasks.ts': BROKEN });
    for (const args of [['-H', 'web1', 'hello'], ['-f', 'cloudlet-tasks.ts', '--help']]) {
      const run = await runCli(args, { cwd: dir.dir });
      assert.equal(run.code, 2, run.stderr);
      assert.match(run.stderr, /^cloudlet-tasks: cannot load tasks file \S+cloudlet-tasks\.ts: missing is not defined/m);
      assert.doesNotMatch(run.stderr, /warning/);
    }
  });

  describe('with a real host', () => {
    let lab: Lab;
    before(async () => {
      lab = await startLab([{ name: 'tasks1' }]);
    });
    after(() => lab?.stop());

    it('runs a task of ./cloudlet-tasks.ts in a CommonJS project on the host', async () => {
      const dir = project('commonjs', { 'cloudlet-tasks.ts': HELLO });
      const run = await runCli(['--json', '-F', lab.sshConfigFile, '-H', 'tasks1', 'hello'], { cwd: dir.dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.equal(resultsByHost(run).get('tasks1')!.value, 'hello from tasks1');
    });

    it('runs built-in tasks next to a broken ./cloudlet-tasks.ts', async () => {
      const dir = project('commonjs', { 'cloudlet-tasks.ts': BROKEN });
      const run = await runCli(['--json', '-F', lab.sshConfigFile, '-H', 'tasks1', 'run', '--', 'hostname'], { cwd: dir.dir });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(run.events.some((e) => e.type === 'output' && e['line'] === 'tasks1'));
      assert.match(run.stderr, /warning: cannot load tasks file/);
    });
  });
});
