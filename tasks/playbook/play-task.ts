// A playbook as one task run on every host: the host's fields fill in the step arguments, each
// kind makes its check-then-change steps, and applySteps runs them in order (under --check it
// only reports what would change). A failing step stops the host; a step left out by --only
// or --skip is reported as skipped, so every host reports every step.
import { applySteps } from '../install/apply-steps.js';
import { defineStep, type Step } from '../install/step.js';
import { defineTask, type Task } from '../task/define-task.js';
import { fieldValues, templateArgs } from './play-fields.js';
import type { Playbook, PlaybookStepPlan } from './validate-playbook.js';

export interface PlaySettings {
  readonly playbook: Playbook;
  /** `--diff`: file steps show their changes. */
  readonly diff: boolean;
  /** Steps left out (--only, --skip), by id, with why. */
  readonly leftOut: ReadonlyMap<string, string>;
  /**
   * The playbook's hosts before --limit: `{index}` is a host's position among them, so a
   * limited run fills in the same values as a full one.
   */
  readonly hosts: readonly string[];
}

function leftOutStep(plan: PlaybookStepPlan, reason: string): Step<unknown, void> {
  return defineStep<void>({ name: plan.id, title: plan.title ?? plan.kind.key, gather: async () => undefined, plan: () => ({ kind: 'skipped', reason }) });
}

/** The kind's steps under the playbook's names: `file#2`, or `install#1/packages` for a kind that makes several. */
function named(plan: PlaybookStepPlan, made: Step<unknown, void> | readonly Step<unknown, void>[]): Step<unknown, void>[] {
  if (!Array.isArray(made)) {
    const step = made as Step<unknown, void>;
    return [{ ...step, name: plan.id, title: plan.title ?? step.title }];
  }
  return made.map((step: Step<unknown, void>) => ({ ...step, name: `${plan.id}/${step.name}`, title: `${plan.title ?? plan.kind.key}: ${step.title}` }));
}

/** The task that applies the playbook on one host; runTask runs it on every host, in batches. */
export function playTask({ playbook, diff, leftOut, hosts }: PlaySettings): Task {
  return defineTask({
    name: 'play',
    help: `apply the playbook ${playbook.name}`,
    options: {},
    async body(ctx) {
      const fields = fieldValues(playbook.vars, ctx.host, hosts.indexOf(ctx.host.name));
      const steps = playbook.steps.flatMap((plan) => {
        const reason = leftOut.get(plan.id);
        if (reason !== undefined) return [leftOutStep(plan, reason)];
        const args = templateArgs(plan.args, fields, `${ctx.host.name}: step ${plan.id}`);
        return named(plan, plan.kind.step(args, { baseDir: playbook.baseDir, diff, fields }));
      });
      const reports = await applySteps(ctx, steps, undefined);
      return { steps: Object.fromEntries(reports.map((report) => [report.step, report.status])) };
    },
  });
}
