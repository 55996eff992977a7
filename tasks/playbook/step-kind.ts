// The contract between the playbook engine and the kinds of step a playbook may hold
// (`install`, `base`, `vm`, `file`, `run`, `check`): each kind validates its own arguments
// and turns them into the check-then-change Step that install uses (tasks/install/step.ts).
import type { z } from 'zod';
import type { Step } from '../install/step.js';

/** What every step kind gets besides its arguments. */
export interface StepEnv {
  /** The playbook file's directory: relative paths in arguments are relative to it. */
  readonly baseDir: string;
  /** `--diff`: steps that change files show the change in their report's details. */
  readonly diff: boolean;
  /**
   * The host's template fields ({host}, {index}, the playbook's and inventory's variables), for
   * kinds that fill in more than their arguments (a file's `template:`); absent in `validate`.
   */
  readonly fields?: Readonly<Record<string, string>>;
}

/** A problem found before any host is touched, at a path inside the step's arguments. */
export interface ArgProblem {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** One kind of playbook step; its key is the YAML key (`vm: {…}`). */
export interface StepKind<A> {
  readonly key: string;
  /** One line for `play --help` and the JSON Schema's description. */
  readonly help: string;
  /** Validates the arguments as written (before templating); unknown keys are refused. */
  readonly schema: z.ZodType<A>;
  /** Checks on the operator's side that need the file system (missing files, unreadable archives). */
  validate?(args: A, env: StepEnv): Promise<readonly ArgProblem[]>;
  /**
   * The step for one host, from arguments already templated for it ({host}, {index}, vars); a
   * kind that stands for several steps run in order (`install`) returns them all.
   */
  step(args: A, env: StepEnv): Step<unknown, void> | readonly Step<unknown, void>[];
}
