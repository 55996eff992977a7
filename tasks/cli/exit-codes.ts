// Exit codes tell apart what went wrong, so scripts can react without parsing text.
import { CloudletError } from '../../sdk/errors/cloudlet-error.js';
import type { RunSummary } from '../run/events.js';

export const ExitCode = {
  ok: 0,
  /** A bug or an unexpected error (run with --debug for the stack). */
  internal: 1,
  /** Bad command line, unknown task or option, malformed inventory. */
  usage: 2,
  /** At least one host could not be reached or refused the connection, and no task failed. */
  connection: 3,
  /** The task failed on at least one host. */
  task: 4,
  interrupted: 130,
} as const;

export function exitCodeFor(summary: RunSummary, interrupted: boolean): number {
  if (interrupted) return ExitCode.interrupted;
  if (summary.failed > 0) return ExitCode.task;
  if (summary.unreachable > 0) return ExitCode.connection;
  return ExitCode.ok;
}

/** The exit code for an error that ends the whole run: by its category, `internal` unless it is a CloudletError. */
export function exitCodeForError(error: unknown): number {
  if (!(error instanceof CloudletError)) return ExitCode.internal;
  return { usage: ExitCode.usage, connection: ExitCode.connection, task: ExitCode.task }[error.category];
}
