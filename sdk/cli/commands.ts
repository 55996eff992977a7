/**
 * The `cloudlet` commands and their dispatcher. sdk/cli.ts calls dispatch(); it owns exit codes:
 * 0 ok, 1 the operation failed (one line: what, and what to do), 2 usage, 130 interrupted (Ctrl-C
 * aborts the command's AbortSignal; the SDK cleans up before the command returns). The code of a
 * thrown error comes from its CloudletError category (usage → 2, anything else → 1). With --json a
 * failure also ends stdout with `{"kind":"error","error":{name, code, message, …its fields}}`. It
 * answers --help and -h for every command.
 */
import { baseCommand } from './base-command.js';
import { exportBaseCommand, importBaseCommand } from './base-archive-commands.js';
import { delBaseCommand, listBaseCommand } from './base-list-commands.js';
import { CloudletError } from '../errors/cloudlet-error.js';
import { jsonErrorLine, type CliIo, type Command } from './command.js';
import { consoleCommand } from './console-command.js';
import { doctorCommand } from './doctor-command.js';
import { infoOverlayCommand } from './info-overlay-command.js';
import { keygenCommand } from './keygen-command.js';
import { overlayCommand } from './overlay-command.js';
import { synthesisCommand } from './synthesis-command.js';
import { destroyCommand, listCommand } from './vm-commands.js';

export const COMMANDS: readonly Command[] = [
  doctorCommand,
  baseCommand,
  importBaseCommand,
  exportBaseCommand,
  listBaseCommand,
  delBaseCommand,
  keygenCommand,
  overlayCommand,
  infoOverlayCommand,
  synthesisCommand,
  listCommand,
  consoleCommand,
  destroyCommand,
];

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT). */
export const INTERRUPTED = 130;

/** dispatch's io: without a signal, dispatch makes one that SIGINT fires while the command runs. */
export type DispatchIo = Omit<CliIo, 'signal'> & { signal?: AbortSignal };

/** The commands' lines for `cloudlet --help`. */
export function commandHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}\n  ${' '.repeat(width)}  cloudlet ${command.usage}`).join('\n');
}

/**
 * Runs `argv` ([command, ...args]) and returns the exit code; never throws.
 *
 * @example process.exitCode = await dispatch(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
 */
export async function dispatch(argv: readonly string[], io: DispatchIo): Promise<number> {
  const [name, ...args] = argv;
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    io.stderr.write(`cloudlet: unknown command '${name ?? ''}'; the commands are: ${COMMANDS.map((c) => c.name).join(', ')}\n`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`usage: cloudlet ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  const interrupt = new AbortController();
  // A second Ctrl-C during the cleanup kills the process the default way. The listener stays until
  // then instead of being a once-listener: execa's child cleanup (signal-exit) re-raises SIGINT
  // when it finds itself the only listener, which would kill the process mid-command.
  const onSigint = () => {
    if (!interrupt.signal.aborted) return interrupt.abort(new DOMException('interrupted (Ctrl-C)', 'AbortError'));
    process.removeListener('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  };
  if (!io.signal) process.on('SIGINT', onSigint);
  const signal = io.signal ?? interrupt.signal;
  try {
    return await command.run(args, { ...io, signal });
  } catch (error) {
    if (signal.aborted) {
      io.stderr.write(`cloudlet ${command.name}: interrupted; nothing was left behind\n`);
      return INTERRUPTED;
    }
    if ('json' in command.options && args.includes('--json')) io.stdout.write(jsonErrorLine(error));
    if (error instanceof CloudletError && error.category === 'usage') {
      io.stderr.write(`cloudlet ${command.name}: ${error.message}\nusage: cloudlet ${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`cloudlet ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
