// `install: { vm_user, min_ram_mb, … }` and `check: {}`: the install task's steps, and the check
// task's verdict, inside a playbook. Their arguments are the tasks' options (options-schema.ts).
import { HostRefused, defineStep, type InstallSettings, type Step } from '../../install/step.js';
import { CHECK_STEPS, INSTALL_STEPS, checkTask, installSettings, installTask } from '../../install/install-task.js';
import type { TaskContext } from '../../task/task-context.js';
import { optionsSchema, stepOptions } from '../options-schema.js';
import type { StepKind } from '../step-kind.js';

type Args = Record<string, string | number | boolean | undefined>;

/** Steps that take settings, as steps that take none: the settings are made per host when the step gathers. */
export function withSettings<S>(steps: readonly Step<unknown, S>[], settingsFor: (ctx: TaskContext) => S): Step<unknown, void>[] {
  return steps.map((step) =>
    defineStep<{ facts: unknown; settings: S }>({
      name: step.name,
      title: step.title,
      ...(step.reportOnly ? { reportOnly: true } : {}),
      async gather(ctx) {
        const settings = settingsFor(ctx);
        return { facts: await step.gather(ctx, settings), settings };
      },
      plan: ({ facts, settings }) => step.plan(facts, settings),
    }),
  );
}

export const installKind: StepKind<Args> = {
  key: 'install',
  help: 'make the host a cloudlet: the install task, step by step (its options as arguments: vm_user, min_ram_mb, …)',
  schema: optionsSchema(installTask.options),
  step(args) {
    return withSettings<InstallSettings>(INSTALL_STEPS, (ctx) => {
      const options = stepOptions(installTask.options, args, ctx);
      return installSettings(ctx, options, options['disable-ept'] === true);
    });
  },
};

/** The verify step, failing the host when its verdict is NOT READY. */
function mustBeReady(step: Step<unknown, void>): Step<unknown, void> {
  return {
    ...step,
    plan(facts) {
      const plan = step.plan(facts);
      if (plan.kind === 'unchanged' && plan.reason.startsWith('NOT READY')) throw new HostRefused(plan.reason);
      return plan;
    },
  };
}

export const checkKind: StepKind<Args> = {
  key: 'check',
  help: "the check task's verdict (preflight and cloudlet doctor), reported; a host that is NOT READY fails",
  schema: optionsSchema(checkTask.options),
  step(args) {
    return withSettings<InstallSettings>(CHECK_STEPS, (ctx) => installSettings(ctx, stepOptions(checkTask.options, args, ctx), false)).map((step) => (step.name === 'verify' ? mustBeReady(step) : step));
  },
};
