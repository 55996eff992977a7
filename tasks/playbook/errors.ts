// A playbook that cannot run: every problem found, each at its file, line and column, so one
// edit fixes them all. Nothing has touched a host when it is thrown.
import { UsageError } from '../errors.js';

/** One problem of a playbook: where (file, line and column when known, the key path) and what. */
export interface PlaybookProblem {
  readonly file: string;
  /** From 1; absent for a TypeScript playbook, whose values have no position. */
  readonly line?: number;
  readonly column?: number;
  /** The key path, such as `steps[2].file.mode`. */
  readonly path: string;
  readonly message: string;
}

function where(problem: PlaybookProblem): string {
  return problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
}

/** The playbook is invalid; `problems` lists every problem, in file order. */
export class PlaybookError extends UsageError {
  static override readonly code: string = 'playbook-invalid';
  constructor(
    readonly file: string,
    readonly problems: readonly PlaybookProblem[],
  ) {
    const lines = problems.map((problem) => `  ${where(problem)}: ${problem.path ? `${problem.path}: ` : ''}${problem.message}`);
    super(`playbook ${file} is not valid (${problems.length} problem${problems.length === 1 ? '' : 's'}); nothing was run:\n${lines.join('\n')}`);
  }
}
