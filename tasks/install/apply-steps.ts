// Runs steps in order on one host: plan each, apply its actions (or list them under
// --dry-run), report changed / unchanged / skipped as a `step` event. A failing step stops
// the host with the step's name; steps are idempotent, so a re-run continues where it stopped.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { sh } from '../command/command.js';
import { RunnerError } from '../errors.js';
import type { TaskContext } from '../task/task-context.js';
import type { Action, Step, StepReport } from './step.js';

/** A step failed on a host; `step` names it and `cause` holds the error it threw. */
export class StepError extends RunnerError {
  static override readonly code: string = 'step-failed';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly step: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: step '${step}' failed: ${reason}`, options);
  }
}

async function applyAction(ctx: TaskContext, action: Action): Promise<void> {
  if (action.kind === 'command') {
    await (action.sudo === false ? ctx.run(action.command) : ctx.sudo(action.command));
    return;
  }
  if (action.kind === 'call') {
    await action.run(ctx);
    return;
  }
  if (action.kind === 'upload') {
    const source = await action.source();
    // A random private directory: no path another host user can guess or plant (race-free).
    const dir = (await ctx.run('mktemp -d -t cloudlet-upload.XXXXXXXXXX', { quiet: true })).stdout.trim();
    try {
      const remotePath = `${dir}/${basename(source.path)}`;
      await ctx.put(source.path, remotePath);
      await ctx.sudo(action.then(remotePath, source));
    } finally {
      await ctx.run(sh`rm -rf ${dir}`, { check: false, quiet: true });
    }
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'cloudlet-step-'));
  try {
    const local = join(dir, 'content');
    await writeFile(local, action.content, { mode: 0o600 });
    await ctx.put(local, action.path, { sudo: true, mode: action.mode, owner: action.owner ?? 'root', ...(action.group ? { group: action.group } : {}) });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Applies steps in order on the task's host and returns one report per step: each is planned
 * from its facts, then its actions run (under `--dry-run` they are only reported, as
 * `would-change`). A failing step throws {@link StepError} naming it; a re-run continues where
 * it stopped, since steps check before they change.
 *
 * @example
 * ```ts
 * export const lab = defineTask({
 *   name: 'lab', help: 'set up a lab host', options: {},
 *   body: async (ctx) => applySteps(ctx, [motd, timezone], undefined),
 * });
 * ```
 */
export async function applySteps<S>(ctx: TaskContext, steps: readonly Step<unknown, S>[], settings: S): Promise<StepReport[]> {
  const reports: StepReport[] = [];
  for (const step of steps) {
    let report: StepReport;
    const started = Date.now();
    try {
      const plan = step.plan(await step.gather(ctx, settings), settings);
      const notes = plan.notes ?? [];
      if (plan.kind !== 'change') {
        report = { step: step.name, status: plan.kind, detail: plan.reason, notes, details: plan.kind === 'unchanged' ? (plan.details ?? []) : [] };
      } else {
        const detail = plan.actions.map((action) => action.description).join('; ');
        if (!ctx.dryRun) for (const action of plan.actions) await applyAction(ctx, action);
        report = { step: step.name, status: ctx.dryRun ? 'would-change' : 'changed', detail, notes, details: plan.details ?? [] };
      }
    } catch (error) {
      if (error instanceof StepError) throw error;
      throw new StepError(ctx.host.name, step.name, (error as Error).message.replace(`${ctx.host.name}: `, ''), { cause: error });
    }
    ctx.reportStep({ ...report, title: step.title, verdict: step.reportOnly === true, durationMs: Date.now() - started });
    reports.push(report);
  }
  return reports;
}
