/**
 * Timing the runner as an operator runs it, shared by the benchmarks: one `cloudlet-tasks` run timed
 * by bash's `time` (the children's CPU included), a piece of work timed in-process, and medians.
 */
import { execFile } from 'node:child_process';
import { CLI, OPERATOR_CACHE } from '../fixtures/run-cli.js';

export interface Timing {
  readonly wallS: number;
  /** User + system CPU of the runner process and its children on the operator's side. */
  readonly operatorCpuS: number;
}

/** One `cloudlet-tasks ARGS` run with HOME `home`; throws on a failed run, with its stderr. */
export function timedRun(args: readonly string[], home: string): Promise<Timing> {
  const script = 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null 2>"$HOME/stderr"; } 2>&1';
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script, 'bench', process.execPath, CLI, ...args], { env: { PATH: process.env['PATH'], HOME: home, XDG_CACHE_HOME: OPERATOR_CACHE } }, (error, stdout) => {
      const [real, user, sys] = stdout.trim().split(/\s+/).slice(-3).map(Number);
      if (error || real === undefined || Number.isNaN(real)) return reject(new Error(`cloudlet-tasks ${args.join(' ')} failed: ${error?.message ?? stdout}`));
      resolve({ wallS: real, operatorCpuS: user! + sys! });
    });
  });
}

/** Seconds `work` took. */
export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = process.hrtime.bigint();
  await work();
  return Number(process.hrtime.bigint() - started) / 1e9;
}

export function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}
