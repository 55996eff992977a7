// The kinds of step a playbook may hold, by their YAML key. A kind is added here once, and the
// schema, the JSON Schema, validation and `play --help` pick it up.
import type { StepKind } from './step-kind.js';
import { baseKind } from './steps/base-step.js';
import { fileKind } from './steps/file-step.js';
import { checkKind, installKind } from './steps/install-step.js';
import { runKind } from './steps/run-step.js';
import { vmKind } from './steps/vm-step.js';

/** Every step kind, in the order `play --help` and the JSON Schema list them. */
export const STEP_KINDS: readonly StepKind<unknown>[] = [installKind, baseKind, vmKind, fileKind, runKind, checkKind] as StepKind<unknown>[];

/** The kind with this key, or undefined. */
export function stepKind(key: string): StepKind<unknown> | undefined {
  return STEP_KINDS.find((kind) => kind.key === key);
}
