// The summary after a play: one row per host (its result and what its steps did), then one
// row per step (how many hosts it changed, left alone, skipped or failed on, and on how many
// it never ran). Built from the run's own events, so it shows exactly what was reported.
import { formatTable } from '../../sdk/cli/table.js';
import type { RunEvent, RunSummary, StepEvent } from '../run/events.js';

const COUNTED = ['changed', 'unchanged', 'skipped'] as const;

/** Collects the step events of a play; `lines` gives the tables after the run. */
export class PlayReport {
  readonly #steps = new Map<string, StepEvent[]>();

  /** `titles`: the playbook's step titles by id, for a step that failed before it reported. */
  constructor(private readonly titles: ReadonlyMap<string, string>) {}

  /** Pass every event of the run. */
  readonly observe = (event: RunEvent): void => {
    if (event.type !== 'step') return;
    this.#steps.set(event.host, [...(this.#steps.get(event.host) ?? []), event]);
  };

  /** The two tables, after the run; under --check the changes are `WOULD CHANGE`. */
  lines(summary: RunSummary, dryRun: boolean): string[] {
    const changed = (status: string): boolean => status === 'changed' || status === 'would-change';
    const failedStep = (host: string): string | undefined => {
      const error = summary.results.find((result) => result.host === host)?.error;
      return typeof error?.['step'] === 'string' ? error['step'] : undefined;
    };
    const hostRows = summary.results.map((result) => {
      const events = this.#steps.get(result.host) ?? [];
      const count = (status: (typeof COUNTED)[number]): string => String(events.filter((e) => (status === 'changed' ? changed(e.status) : e.status === status)).length);
      return [result.host, result.status, ...COUNTED.map(count), failedStep(result.host) ?? (result.status === 'ok' ? '' : (result.error?.code ?? ''))];
    });
    const order = [...new Set([...this.#steps.values()].flat().map((event) => event.step))];
    const titles = new Map([...this.titles, ...[...this.#steps.values()].flat().map((event) => [event.step, event.title] as const)]);
    for (const result of summary.results) {
      const step = failedStep(result.host);
      if (step !== undefined && !order.includes(step)) order.push(step);
    }
    const stepRows = order.map((step) => {
      const events = summary.results.map((result) => (this.#steps.get(result.host) ?? []).find((event) => event.step === step));
      const failed = summary.results.filter((result) => failedStep(result.host) === step).length;
      const count = (status: (typeof COUNTED)[number]): string => String(events.filter((e) => e !== undefined && (status === 'changed' ? changed(e.status) : e.status === status)).length);
      const notRun = events.filter((event) => event === undefined).length - failed;
      return [step, titles.get(step) ?? '', ...COUNTED.map(count), String(failed), String(notRun)];
    });
    const change = dryRun ? 'WOULD CHANGE' : 'CHANGED';
    return [
      formatTable(['HOST', 'RESULT', change, 'UNCHANGED', 'SKIPPED', 'FAILED AT'], hostRows).trimEnd(),
      '',
      formatTable(['STEP', 'TITLE', change, 'UNCHANGED', 'SKIPPED', 'FAILED', 'NOT RUN'], stepRows).trimEnd(),
    ];
  }
}
