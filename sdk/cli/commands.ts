/**
 * The `cloudlet` commands and their dispatcher. sdk/cli.ts calls dispatch(); it owns exit codes:
 * 0 ok, 1 the operation failed (one line: what, and what to do), 2 usage, 128 + the signal's number
 * when interrupted (SIGINT, SIGTERM or SIGHUP abort the command's AbortSignal; the SDK cleans up
 * before the command returns: 130 for Ctrl-C, 143 for a TERM). The code of a
 * thrown error comes from its CloudletError category (usage → 2, anything else → 1). With --json a
 * failure also ends stdout with `{"kind":"error","error":{name, code, message, …its fields}}`. It
 * answers --help and -h for every command.
 */
import { constants } from 'node:os';
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
import { serveCommand } from './serve-command.js';
import { synthesisCommand } from './synthesis-command.js';
import { tokenCommand } from './token-command.js';
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
  serveCommand,
  tokenCommand,
];

/** Exit code of a command stopped by Ctrl-C (128 + SIGINT). */
export const INTERRUPTED = 130;

/** The signals that stop a command as Ctrl-C does: its cleanup runs, then it exits 128 + the signal's number. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/** dispatch's io: without a signal, dispatch makes one that SIGINT, SIGTERM and SIGHUP fire while the command runs. */
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
  let caught: NodeJS.Signals = 'SIGINT';
  // A second signal during the cleanup kills the process the default way. The listeners stay until
  // then instead of being once-listeners: execa's child cleanup (signal-exit) re-raises a signal
  // when it finds itself its only listener, which would kill the process mid-command.
  const onSignal = (received: NodeJS.Signals) => {
    if (!interrupt.signal.aborted) {
      caught = received;
      return interrupt.abort(new DOMException(`interrupted (${received === 'SIGINT' ? 'Ctrl-C' : received})`, 'AbortError'));
    }
    for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
    process.kill(process.pid, received);
  };
  if (!io.signal) for (const name of STOP_SIGNALS) process.on(name, onSignal);
  const signal = io.signal ?? interrupt.signal;
  try {
    return await command.run(args, { ...io, signal });
  } catch (error) {
    if (signal.aborted) {
      io.stderr.write(`cloudlet ${command.name}: interrupted; nothing was left behind\n`);
      return io.signal ? INTERRUPTED : 128 + constants.signals[caught];
    }
    if ('json' in command.options && args.includes('--json')) io.stdout.write(jsonErrorLine(error));
    if (error instanceof CloudletError && error.category === 'usage') {
      io.stderr.write(`cloudlet ${command.name}: ${error.message}\nusage: cloudlet ${command.usage}\n`);
      return 2;
    }
    io.stderr.write(`cloudlet ${command.name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    for (const name of STOP_SIGNALS) process.removeListener(name, onSignal);
  }
}
