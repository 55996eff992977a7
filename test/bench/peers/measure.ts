/**
 * Wall time and peak memory of the peers' commands. Wall time is taken here around the whole
 * process; the peak resident set comes from GNU time (`/usr/bin/time -f %M`, the child's maxrss in
 * KiB), which sees the tool itself rather than this Node process.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run, type RunOptions } from '../steps.js';

export interface Measurement {
  wallMs: number;
  /** The largest peak RSS of the commands measured, in KiB. */
  peakRssKiB: number;
}

export const NOTHING_MEASURED: Measurement = { wallMs: 0, peakRssKiB: 0 };

const GNU_TIME = '/usr/bin/time';

/**
 * Runs one command under GNU time; its report goes to a file in `work`, the caller's scratch
 * directory (removed with it, also when the run is interrupted).
 *
 * @example
 * const { wallMs, peakRssKiB } = await measure(work, 'xz', ['-9', '-c', 'custom.mem'], { stdoutFile: 'mem.xz' });
 */
export async function measure(work: string, file: string, args: string[], options: RunOptions = {}): Promise<Measurement> {
  const report = join(work, 'gnu-time.report');
  try {
    const started = performance.now();
    await run(GNU_TIME, ['-f', '%M', '-o', report, file, ...args], options);
    const wallMs = performance.now() - started;
    const peakRssKiB = Number((await readFile(report, 'utf8')).trim().split('\n').at(-1));
    return { wallMs, peakRssKiB };
  } finally {
    await rm(report, { force: true });
  }
}

/** Commands run one after the other: their times add up, their peaks do not. */
export function sequential(...measurements: Measurement[]): Measurement {
  return measurements.reduce(
    (total, next) => ({ wallMs: total.wallMs + next.wallMs, peakRssKiB: Math.max(total.peakRssKiB, next.peakRssKiB) }),
    NOTHING_MEASURED,
  );
}

/** Checks that GNU time is installed (`apt-get install time`), before minutes of work depend on it. */
export async function requireGnuTime(): Promise<void> {
  await run(GNU_TIME, ['-f', '%M', 'true']).catch((error: unknown) => {
    throw new Error(`${GNU_TIME} (GNU time) is needed to measure peak RSS: apt-get install time`, { cause: error });
  });
}
