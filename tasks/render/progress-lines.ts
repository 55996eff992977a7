// SDK progress events on a host (an upload, later the host's own `cloudlet --json`) as people
// read them in the runner: phase lines, bytes with percent and rate, and the SDK CLI's own
// lines for the other kinds.
import { plainLine } from '../../sdk/cli/render-progress.js';
import type { Progress } from '../../sdk/progress/index.js';
import { megabytes, seconds } from './format.js';

type BytesProgress = Extract<Progress, { kind: 'bytes' }>;
type PhaseProgress = Extract<Progress, { phase: string }>;

function phaseName(event: PhaseProgress): string {
  return event.within ? `${event.within}/${event.phase}` : event.phase;
}

/** `upload 12.0/60.0 MB 20% 8.1 MB/s`: the total, percent and rate when known. */
export function bytesLine(event: BytesProgress, bytesPerSecond?: number): string {
  const amount = event.total !== undefined ? `${megabytes(event.done)}/${megabytes(event.total)} MB` : `${megabytes(event.done)} MB`;
  const percent = event.total ? ` ${Math.floor((event.done / event.total) * 100)}%` : '';
  const rate = bytesPerSecond !== undefined ? ` ${megabytes(bytesPerSecond)} MB/s` : '';
  return `${phaseName(event)} ${amount}${percent}${rate}`;
}

/** A line for the event, or undefined for those people need not see (blobs). */
export function progressLine(event: Progress): string | undefined {
  switch (event.kind) {
    case 'phase-start':
      return `${phaseName(event)}: started`;
    case 'phase-end':
      return `${phaseName(event)}: done in ${seconds(event.elapsedMs)}${event.detail ? `: ${event.detail}` : ''}`;
    case 'bytes':
      return bytesLine(event);
    default:
      return plainLine(event);
  }
}

/** The byte rate of each host's current phase, averaged from its first bytes event. */
export class ByteRates {
  readonly #first = new Map<string, { phase: string; time: number; done: number }>();

  /** Bytes per second so far, once half a second has passed; a new phase (or a count going back) starts over. */
  rate(host: string, event: BytesProgress, now: number): number | undefined {
    const first = this.#first.get(host);
    if (!first || first.phase !== phaseName(event) || event.done < first.done) {
      this.#first.set(host, { phase: phaseName(event), time: now, done: event.done });
      return undefined;
    }
    const elapsed = (now - first.time) / 1000;
    return elapsed >= 0.5 ? (event.done - first.done) / elapsed : undefined;
  }
}
