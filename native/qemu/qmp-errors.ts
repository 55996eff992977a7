/** Errors of the QMP client and the migration helpers. Each carries what a person needs to act. */
import { CloudletError } from '../../sdk/errors/cloudlet-error.js';

/** Base class: every QMP-related failure is an instance of this. */
export class QmpError extends CloudletError {
  static override readonly code: string = 'qmp';
}

/** The socket could not be reached or the greeting never came. */
export class QmpConnectionError extends QmpError {
  static override readonly code: string = 'qmp-connection';
  constructor(
    readonly socketPath: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot talk QMP on ${socketPath}: ${reason}`, options);
  }
}

/** QEMU answered a command with `{"error": {"class", "desc"}}`. */
export class QmpCommandError extends QmpError {
  static override readonly code: string = 'qmp-command-failed';
  constructor(
    readonly command: string,
    readonly errorClass: string,
    readonly description: string,
  ) {
    super(`QMP ${command} failed (${errorClass}): ${description}`);
  }
}

/** The connection closed (QEMU exited or `close()` was called) while a command or wait was pending. */
export class QmpClosedError extends QmpError {
  static override readonly code: string = 'qmp-closed';
  constructor(readonly pending: string) {
    super(`QMP connection closed while waiting for ${pending}`);
  }
}

/** A command, event or state did not arrive in time. */
export class QmpTimeoutError extends QmpError {
  static override readonly code: string = 'qmp-timeout';
  constructor(
    readonly waitingFor: string,
    readonly timeoutMs: number,
  ) {
    super(`timed out after ${timeoutMs} ms waiting for ${waitingFor}`);
  }
}

/** QEMU sent a line that is not a QMP message; the connection cannot be trusted any more. */
export class QmpProtocolError extends QmpError {
  static override readonly code: string = 'qmp-protocol';
  constructor(
    readonly line: string,
    readonly reason: string,
  ) {
    super(`bad QMP message (${reason}): ${line.slice(0, 200)}`);
  }
}

/** A migration (save or restore of memory) ended in `failed` or `cancelled`. */
export class MigrationFailedError extends QmpError {
  static override readonly code: string = 'qmp-migration-failed';
  constructor(
    readonly direction: 'save' | 'restore',
    readonly uri: string,
    readonly status: string,
    readonly qemuError: string | undefined,
  ) {
    super(`memory ${direction} via ${uri} ended ${status}${qemuError ? `: ${qemuError}` : ''}`);
  }
}
