// A host step checks, then changes (pyinfra's model): `gather` reads facts, `plan` is a
// pure function from those facts to the actions needed, and the step runner applies them
// (or, under --dry-run, only reports them). Planners are unit-tested with facts alone.
import type { Command } from '../command/command.js';
import { RunnerError } from '../errors.js';
import type { StepStatus } from '../run/events.js';
import type { TaskContext } from '../task/task-context.js';

/** One change a step makes: run a command (with sudo unless `sudo: false`), write a file as root, upload a file and run a command on it, or call the host's SDK. */
export type Action =
  | { readonly kind: 'command'; readonly description: string; readonly command: Command; readonly sudo?: boolean }
  | {
      readonly kind: 'file';
      readonly description: string;
      readonly path: string;
      readonly content: string | Uint8Array;
      readonly mode: string;
      /** Default root. */
      readonly owner?: string;
      /** Default the owner's login group. */
      readonly group?: string;
    }
  /**
   * Copies a local file, made only when the action runs, into a private directory on the host
   * (`mktemp -d`, the login user's, 0700) and runs `then` on it with sudo; the directory goes after.
   */
  | {
      readonly kind: 'upload';
      readonly description: string;
      /** Makes the local file (a build, a download); called only when the action runs. */
      readonly source: () => Promise<UploadSource>;
      /** The command run with sudo on the uploaded copy at `remotePath`. */
      readonly then: (remotePath: string, source: UploadSource) => Command;
    }
  /** Calls that are no single command, such as the host's SDK through `ctx.cloudlet` (push a base, synthesize a VM). */
  | { readonly kind: 'call'; readonly description: string; readonly run: (ctx: TaskContext) => Promise<void> };

/** A local file an upload action sends, with its checksum. */
export interface UploadSource {
  readonly path: string;
  /** Hex SHA-256 of the file, for the host to check before it uses the upload. */
  readonly sha256: string;
}

/** What a step's plan decided: unchanged (with the reason), skipped, or the actions to run. */
export type Plan =
  /** Nothing to do: the host is as wanted. */
  | { readonly kind: 'unchanged'; readonly reason: string; readonly notes?: readonly string[]; readonly details?: readonly string[] }
  /** The step does not apply to this host. */
  | { readonly kind: 'skipped'; readonly reason: string; readonly notes?: readonly string[] }
  /** These actions bring the host to the wanted state; `details` show the change (a diff). */
  | { readonly kind: 'change'; readonly actions: readonly Action[]; readonly notes?: readonly string[]; readonly details?: readonly string[] };

export interface InstallSettings {
  /** The user who will run VMs (joins kvm/libvirt, gets FUSE). */
  readonly user: string;
  readonly minRamMiB: number;
  readonly minDiskGiB: number;
  readonly disableEpt: boolean;
  readonly force: boolean;
  /** Where the SDK is deployed on the host. */
  readonly prefix: string;
}

/**
 * One idempotent change to a host: `gather` reads what is there (facts), `plan` decides, from
 * those facts and the settings alone, what to do. `F` is the facts type, `S` the settings every
 * step of a run receives (the install task's are its options; yours can be anything).
 */
export interface Step<F, S = void> {
  readonly name: string;
  readonly title: string;
  /** Reads and reports, never changes (preflight, verify): logged as a verdict, without a status. */
  readonly reportOnly?: boolean;
  /** Reads the host; never changes it (it runs under --dry-run too). */
  gather(ctx: TaskContext, settings: S): Promise<F>;
  /** A pure function: the actions that bring the host to the wanted state, or why none are needed. */
  plan(facts: F, settings: S): Plan;
}

export type { StepStatus } from '../run/events.js';

/** What applySteps reports for one step. */
export interface StepReport {
  readonly step: string;
  readonly status: StepStatus;
  /** Why unchanged/skipped, or what changed / would change. */
  readonly detail: string;
  readonly notes: readonly string[];
  /** Lines shown under the step, such as a table of checks. */
  readonly details: readonly string[];
}

/** Thrown by a planner when the host must not be set up (unsupported OS, too little RAM): the task fails on it. */
export class HostRefused extends RunnerError {
  static override readonly code: string = 'host-refused';
  override readonly category = 'task';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * Declares a step, with its facts type inferred from `gather`; run steps with {@link applySteps}.
 *
 * @example
 * ```ts
 * const motd = defineStep({
 *   name: 'motd',
 *   title: 'message of the day',
 *   gather: async (ctx) => (await ctx.run('cat /etc/motd', { check: false, quiet: true })).stdout,
 *   plan: (current) =>
 *     current === 'lab host\n'
 *       ? { kind: 'unchanged', reason: 'already set' }
 *       : { kind: 'change', actions: [{ kind: 'file', description: 'write /etc/motd', path: '/etc/motd', content: 'lab host\n', mode: '0644' }] },
 * });
 * ```
 */
export function defineStep<F, S = void>(step: Step<F, S>): Step<F, S> {
  return step;
}
