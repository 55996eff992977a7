// --only and --skip: which steps run. A step is named by its `name:` title, by its kind (every
// step of that kind: `file`), or by `kind#N` (the N-th step of that kind, from 1: `file#2`),
// which is also the id its events carry. A name that matches no step is refused, with a guess.
import { UsageError } from '../errors.js';
import { closestName } from '../inventory/closest-name.js';
import type { PlaybookStepPlan } from './validate-playbook.js';

function matches(step: PlaybookStepPlan, name: string): boolean {
  return step.title === name || step.kind.key === name || step.id === name;
}

function names(list: string | undefined): string[] {
  return (list ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
}

/**
 * The steps left out, by id, with why; `only` and `skip` are comma-separated lists of names
 * (the options' values, either may be absent).
 */
export function selectSteps(steps: readonly PlaybookStepPlan[], only: string | undefined, skip: string | undefined): Map<string, string> {
  const known = [...new Set(steps.flatMap((step) => [step.id, step.kind.key, ...(step.title !== undefined ? [step.title] : [])]))];
  for (const [option, list] of [['--only', only], ['--skip', skip]] as const) {
    for (const name of names(list)) {
      if (steps.some((step) => matches(step, name))) continue;
      const guess = closestName(name, known);
      throw new UsageError(`${option} '${name}' names no step of the playbook${guess ? ` (did you mean '${guess}'?)` : ''}; steps are named by title, kind or kind#N: ${known.join(', ')}`);
    }
  }
  const skipped = new Map<string, string>();
  for (const step of steps) {
    if (only !== undefined && !names(only).some((name) => matches(step, name))) skipped.set(step.id, 'not selected by --only');
    else if (names(skip).some((name) => matches(step, name))) skipped.set(step.id, 'left out by --skip');
  }
  return skipped;
}
