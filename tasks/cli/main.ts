// The `cloudlet-tasks` command: parse, load tasks, resolve hosts, ask secrets once,
// run with the renderer that suits the output, and exit with a code that says what failed.
import { homedir } from 'node:os';
import { packageVersion } from '../../sdk/version.js';
import { Masker } from '../command/masker.js';
import { connectSsh } from '../connection/ssh-connection.js';
import { CloudletError, UnknownTaskError, UsageError } from '../errors.js';
import { loadInventory } from '../inventory/inventory.js';
import { limitHosts } from '../inventory/limit-hosts.js';
import { resolveHosts } from '../inventory/resolve-hosts.js';
import { loadSshConfig } from '../inventory/ssh-config.js';
import { jsonRenderer } from '../render/json-renderer.js';
import { listrRenderer } from '../render/listr-renderer.js';
import { plainRenderer } from '../render/plain-renderer.js';
import type { Renderer } from '../render/renderer.js';
import type { EventSink, RunSummary } from '../run/events.js';
import { runTask } from '../run/runner.js';
import type { OptionSpecs, OptionValues, Task } from '../task/define-task.js';
import type { HostTarget } from '../inventory/host-target.js';
import { askSecret } from './ask-secret.js';
import { cliTasks } from './cli-tasks.js';
import { configCommand } from './config-command.js';
import { ExitCode, exitCodeFor, exitCodeForError } from './exit-codes.js';
import { numberOption, splitCommandLine, withConfig, type GlobalValues, type SplitCommandLine } from './global-options.js';
import { mainHelp, taskHelp } from './help.js';
import { OperatorConfig } from './operator-config.js';
import { playHelp, preparePlay } from './play-command.js';
import { parseTaskOptions } from './task-options.js';

export interface CliIo {
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

async function secretFrom(globals: GlobalValues, flag: 'ask-password' | 'ask-sudo-password', envName: string, prompt: string, env: NodeJS.ProcessEnv): Promise<string | undefined> {
  if (globals[flag]) return askSecret(prompt);
  return env[envName];
}

function pickRenderer(globals: GlobalValues, io: CliIo): Renderer {
  const write = (text: string): void => void io.stdout.write(`${text}\n`);
  if (globals.json) return jsonRenderer(write);
  if (globals.plain || !io.stdout.isTTY || io.env['CI']) return plainRenderer(write);
  return listrRenderer(write);
}

/** What a run does: a task on hosts, with the task's options; a play adds its batches and report. */
interface PreparedRun {
  readonly task: Task;
  readonly options: OptionValues<OptionSpecs>;
  readonly args: readonly string[];
  readonly hosts: readonly HostTarget[];
  readonly dryRun: boolean;
  readonly serial?: number;
  readonly maxFailPercentage?: number;
  /** Sees every event before the renderer. */
  readonly observe?: EventSink;
  /** Lines printed after the run (not under --json). */
  readonly report?: (summary: RunSummary) => readonly string[];
}

async function playRun(words: readonly string[], args: readonly string[], globals: GlobalValues, io: CliIo): Promise<PreparedRun | number> {
  if (globals.help) {
    io.stdout.write(`${playHelp()}\n`);
    return ExitCode.ok;
  }
  if (args.length > 0) throw new UsageError("play takes no words after '--'");
  const play = await preparePlay(words, globals, await loadSshConfig(globals['ssh-config']), io.cwd);
  return { ...play, options: {}, args: [] };
}

async function taskRun(line: SplitCommandLine, globals: GlobalValues, io: CliIo): Promise<PreparedRun | number> {
  const { tasks, skipped } = await cliTasks(line.globals['tasks-file'], io.cwd);
  const task = line.task === undefined ? undefined : tasks.find((candidate) => candidate.name === line.task);
  // A task that is not built in was most likely meant to come from the file that failed.
  if (line.task !== undefined && !task) throw skipped ?? new UnknownTaskError(line.task, ['play', ...tasks.map((t) => t.name)]);
  if (skipped) io.stderr.write(`cloudlet-tasks: warning: ${skipped.message}; only the built-in tasks are available\n`);
  if (!task) {
    io.stdout.write(`${mainHelp(tasks, packageVersion())}\n`);
    return line.globals.help ? ExitCode.ok : ExitCode.usage;
  }
  if (line.globals.help) {
    io.stdout.write(`${taskHelp(task)}\n`);
    return ExitCode.ok;
  }
  const options = parseTaskOptions(task, line.taskTokens, line.args);
  const inventory = globals.inventory ? await loadInventory(globals.inventory) : undefined;
  const selected = await resolveHosts(globals.hosts ?? [], {
    sshConfig: await loadSshConfig(globals['ssh-config']),
    ...(inventory ? { inventory } : {}),
    ...(globals.user ? { defaultUser: globals.user } : {}),
    identityFiles: globals.identity ?? [],
  });
  const hosts = globals.limit === undefined ? selected : limitHosts(selected, globals.limit);
  const report = task.report?.bind(task);
  return { task, options, args: line.args, hosts, dryRun: globals['dry-run'] === true, ...(report ? { report: (summary: RunSummary) => report(summary.results) } : {}) };
}

async function execute(argv: readonly string[], io: CliIo): Promise<number> {
  const line = splitCommandLine(argv);
  if (line.globals.version) {
    io.stdout.write(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  // `config` needs no tasks and no hosts; it also comes before a tasks file's task of that name.
  if (line.task === 'config') {
    if (line.args.length > 0) throw new UsageError("config takes no words after '--'");
    return configCommand(line.taskTokens, line.globals, io);
  }
  const globals = withConfig(line.globals, new OperatorConfig(io.env).values());
  // `play` is the runner's own command, like `config`: it comes before a tasks file's task of that name.
  const run = line.task === 'play' ? await playRun(line.taskTokens, line.args, globals, io) : await taskRun(line, globals, io);
  if (typeof run === 'number') return run;
  const parallel = numberOption(globals, 'parallel', 10, 1);
  const retries = numberOption(globals, 'retries', 2, 0);
  const connectTimeoutMs = numberOption(globals, 'connect-timeout', 10, 0.1) * 1000;
  const commandTimeout = numberOption(globals, 'command-timeout', 0, 0);
  const sshPassword = await secretFrom(globals, 'ask-password', 'CLOUDLET_SSH_PASSWORD', 'SSH password: ', io.env);
  const sudoPassword = await secretFrom(globals, 'ask-sudo-password', 'CLOUDLET_SUDO_PASSWORD', 'sudo password: ', io.env);
  const masker = new Masker();
  masker.add(...[sshPassword, sudoPassword].filter((s): s is string => s !== undefined));

  const knownHosts = globals['known-hosts'];
  const defaultKnown = `${homedir()}/.ssh/known_hosts`;
  const sshSettings = {
    hostKeys: {
      knownHostsFiles: knownHosts ? [knownHosts] : [defaultKnown, '/etc/ssh/ssh_known_hosts'],
      recordFile: knownHosts ?? defaultKnown,
      acceptNew: globals['accept-new-host-keys'] === true,
    },
    connectTimeoutMs,
    auth: {
      ...(io.env['SSH_AUTH_SOCK'] ? { agentSocket: io.env['SSH_AUTH_SOCK'] } : {}),
      ...(sshPassword !== undefined ? { password: sshPassword } : {}),
    },
  };

  const renderer = pickRenderer(globals, io);
  const abort = new AbortController();
  const onSignal = (): void => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const summary = await runTask({
      task: run.task,
      options: run.options,
      args: run.args,
      hosts: run.hosts,
      parallel,
      ...(run.serial !== undefined ? { serial: run.serial } : {}),
      ...(run.maxFailPercentage !== undefined ? { maxFailPercentage: run.maxFailPercentage } : {}),
      failFast: globals['fail-fast'] === true,
      retry: { retries, baseDelayMs: 1000, maxDelayMs: 30_000 },
      dryRun: run.dryRun,
      ...(commandTimeout > 0 ? { commandTimeoutMs: commandTimeout * 1000 } : {}),
      ...(sudoPassword !== undefined ? { sudoPassword } : {}),
      connect: (host) => connectSsh(host, sshSettings),
      masker,
      emit: run.observe
        ? (event) => {
            run.observe!(event);
            renderer.emit(event);
          }
        : renderer.emit,
      signal: abort.signal,
    });
    await renderer.close();
    if (!globals.json && run.report) for (const text of run.report(summary)) io.stdout.write(`${text}\n`);
    return exitCodeFor(summary, abort.signal.aborted);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Runs the CLI and returns the exit code; errors become one line unless --debug. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  try {
    return await execute(argv, io);
  } catch (error) {
    const debug = argv.includes('--debug');
    if (error instanceof CloudletError) {
      io.stderr.write(`cloudlet-tasks: ${error.message}\n${debug && error.stack ? `${error.stack}\n` : ''}`);
      return exitCodeForError(error);
    }
    io.stderr.write(`cloudlet-tasks: internal error: ${(error as Error).message}${debug ? `\n${(error as Error).stack}` : ' (run with --debug for details)'}\n`);
    return ExitCode.internal;
  }
}
