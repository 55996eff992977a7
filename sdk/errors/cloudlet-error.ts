/**
 * The root of every error the SDK, its native edge and the task runner throw. It lives in the SDK
 * (the runner already imports the SDK's version, and the host bundle ships dist/sdk), as a leaf
 * module that imports nothing: native/, below the SDK, imports this one module and no other.
 *
 * Every class declares a static `code`: kebab-case, unique among all classes, stable. A code is
 * part of the API: once shipped it never changes, even when the class or its message does; match on
 * `code` (or `instanceof`), never on `message`. SDK and native codes start with their family
 * (`overlay-`, `item-`, `blob-`, `base-`, `server-`, `launch-`, `vm-`, `memory-`, `disk-`, `libvirt-`, `qmp-`);
 * the runner's name what went wrong in a run (`usage`, `host-unreachable`, `command-failed`).
 *
 * `category` decides the exit code of both CLIs: `usage` (2 for both), `connection` (3 for
 * cloudlet-tasks) and `task` (the operation failed: 4 for cloudlet-tasks, 1 for cloudlet). Anything
 * that is not a CloudletError is a bug (`internal`).
 *
 * @example
 * try { await synthesize(base, overlay, out); }
 * catch (error) { if (error instanceof CloudletError && error.code === 'overlay-wrong-base') … }
 */

export type ErrorCategory = 'usage' | 'connection' | 'task';

/** The root of every error of the SDK, native/ and the runner: a stable `code`, a `category` that picks the exit code, and data fields. */
export abstract class CloudletError extends Error {
  /** The class's code; each class declares its own (the table is sdk/errors/ERRORS.md). */
  static readonly code: string;
  /** Stable and machine-readable: the `code` of the class that was thrown. */
  readonly code: string;
  /** What kind of failure this is; decides the CLIs' exit codes. */
  readonly category: ErrorCategory = 'task';

  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = (new.target as unknown as { readonly code: string }).code;
  }
}

/** Wrong arguments, options, inventory or tasks file: the caller must change the command line. */
export class UsageError extends CloudletError {
  static override readonly code: string = 'usage';
  override readonly category: ErrorCategory = 'usage';
}

/** An error as plain data, for `--json` output and events: the fields it carries plus name, code, message, category. */
export interface ErrorData {
  readonly name: string;
  readonly code: string;
  readonly message: string;
  /** An ErrorCategory, or `internal` for an error that is no CloudletError (a bug). */
  readonly category: string;
  readonly [field: string]: unknown;
}

const HIDDEN = new Set(['stack', 'cause', 'message', 'name', 'code', 'category']);

/**
 * The data of any thrown value. An error that is no CloudletError gets code and category
 * `internal`; a `code` of its own (Node's `ENOENT`) is kept as `systemCode`.
 *
 * @example io.stdout.write(`${JSON.stringify({ kind: 'error', error: errorData(error) })}\n`);
 */
export function errorData(error: unknown): ErrorData {
  if (!(error instanceof Error)) return { name: 'Error', code: 'internal', message: String(error), category: 'internal' };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) if (!HIDDEN.has(key)) fields[key] = value;
  if (error instanceof CloudletError) return { ...fields, name: error.name, code: error.code, message: error.message, category: error.category };
  const own = (error as { code?: unknown }).code;
  return { ...fields, ...(own !== undefined ? { systemCode: own } : {}), name: error.name, code: 'internal', message: error.message, category: 'internal' };
}
