// Small text helpers shared by the plain and listr2 renderers.
import type { BatchStop, HostResult, RunSummary, StepEvent } from '../run/events.js';

export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** Bytes as decimal megabytes, as network speeds are given: `12.0` for 12 000 000. */
export function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/** A one-line view of what a task returned; long values are cut. */
export function valueLine(value: unknown, max = 400): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function resultLine(result: HostResult): string {
  const status = { ok: 'ok', failed: 'FAILED', unreachable: 'UNREACHABLE', skipped: 'skipped' }[result.status];
  const message = result.error?.message.startsWith(`${result.host}: `) ? result.error.message.slice(result.host.length + 2) : result.error?.message;
  const why = message !== undefined ? `: ${message}` : result.status === 'skipped' ? ' (not started after a failure, an interrupt or a stopped batch)' : '';
  return `${status} (${seconds(result.durationMs)})${why}`;
}

/** The closing table: one line per host, then the counts. */
export function summaryLines(summary: RunSummary): string[] {
  const width = Math.max(4, ...summary.results.map((r) => r.host.length));
  const lines = summary.results.map((r) => `  ${r.host.padEnd(width)}  ${valueLine(resultLine(r).split('\n')[0], 120)}`);
  const counts = `${summary.ok} ok, ${summary.failed} failed, ${summary.unreachable} unreachable, ${summary.skipped} skipped`;
  return [`${summary.task}: ${counts} in ${seconds(summary.durationMs)}`, ...lines, ...(summary.stopped ? [stoppedLine(summary.stopped)] : [])];
}

/** Why the later batches of a rolling run did not run. */
export function stoppedLine(stop: BatchStop): string {
  return `STOPPED after batch ${stop.afterBatch} of ${stop.batches}: ${stop.failed} of its ${stop.hosts} host(s) failed, more than max_fail_percentage ${stop.maxFailPercentage}%; the later batches did not run`;
}

/** A step as people read it: `Title: status: detail` (a verdict without the status), the lines under it, its notes. */
export function stepLines(event: StepEvent): string[] {
  const head = event.verdict ? `${event.title}: ${event.detail}` : `${event.title}: ${event.status}: ${event.detail}`;
  return [head, ...event.details.map((line) => `  ${line}`), ...event.notes.map((note) => `${event.title}: NOTE: ${note}`)];
}
