// What a run reports while it works. The runner only emits these; renderers (listr2,
// plain lines, JSON lines) decide how they look. Every string is masked before emission.
import type { Progress } from '../../sdk/progress/index.js';
import type { BatchStop } from './batches.js';

export type { BatchStop } from './batches.js';

/** How a task ended on a host. */
export type HostStatus = 'ok' | 'failed' | 'unreachable' | 'skipped';

/** An error as data: its class name, message, category and the fields it carries. */
export interface ErrorInfo {
  readonly name: string;
  /** The class's stable code (`command-failed`, `host-unreachable`, …), or `internal`. */
  readonly code: string;
  readonly message: string;
  readonly category: string;
  readonly [field: string]: unknown;
}

/** The result of a task on one host: status, duration, the body's value or the error. */
export interface HostResult {
  readonly host: string;
  readonly status: HostStatus;
  readonly durationMs: number;
  /** What the task body returned. */
  readonly value?: unknown;
  readonly error?: ErrorInfo;
}

/** What runTask resolves with: every host's result, in order, the counts by status, and why later batches did not run. */
export interface RunSummary {
  readonly task: string;
  readonly results: readonly HostResult[];
  readonly ok: number;
  readonly failed: number;
  readonly unreachable: number;
  readonly skipped: number;
  readonly durationMs: number;
  /** Set when a batch failed more than `maxFailPercentage` allows: its later batches' hosts are `skipped`. */
  readonly stopped?: BatchStop;
}

/** What a host step did (tasks/install/step.ts); `would-change` under --dry-run. */
export type StepStatus = 'changed' | 'unchanged' | 'skipped' | 'would-change';

/** One step of a host task (install, check) on one host, from check to change. */
export interface StepEvent {
  readonly type: 'step';
  readonly host: string;
  /** The step's name (`packages`, `deploy-sdk`) and the title people read (`Packages`). */
  readonly step: string;
  readonly title: string;
  readonly status: StepStatus;
  /** A step that only reads and reports (preflight, verify): people see its detail without the status. */
  readonly verdict: boolean;
  /** Why unchanged or skipped, or what changed / would change. */
  readonly detail: string;
  /** Lines shown under the step, such as a table of checks. */
  readonly details: readonly string[];
  readonly notes: readonly string[];
  readonly durationMs: number;
}

/** Every event of a run, as runTask emits it; `--json` prints each as one line. */
export type RunEvent =
  | { readonly type: 'run-start'; readonly task: string; readonly hosts: readonly string[]; readonly dryRun: boolean; readonly parallel: number }
  /** A rolling run (`serial`) starts its next batch, numbered from 1. */
  | { readonly type: 'batch-start'; readonly batch: number; readonly batches: number; readonly hosts: readonly string[] }
  | { readonly type: 'host-start'; readonly host: string }
  | { readonly type: 'connect-retry'; readonly host: string; readonly attempt: number; readonly delayMs: number; readonly reason: string }
  | { readonly type: 'connected'; readonly host: string; readonly durationMs: number }
  | {
      readonly type: 'command';
      readonly host: string;
      readonly command: string;
      readonly sudo: boolean;
      /** Run on the operator's machine for this host (ctx.local); absent for the host's own commands. */
      readonly local?: boolean;
    }
  | { readonly type: 'output'; readonly host: string; readonly stream: 'stdout' | 'stderr'; readonly line: string }
  | { readonly type: 'log'; readonly host: string; readonly message: string }
  | StepEvent
  /** Progress of long work on a host (an upload, the host's SDK): the SDK's one progress event, format v1. */
  | { readonly type: 'progress'; readonly host: string; readonly progress: Progress }
  | { readonly type: 'host-end'; readonly result: HostResult }
  | { readonly type: 'run-end'; readonly summary: RunSummary };

/** Receives the run's events, in order; `cloudlet-tasks` renders them (listr2, plain or JSON lines). */
export type EventSink = (event: RunEvent) => void;
