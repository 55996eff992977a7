/** Emitting phase start and end events around work: one wrapped call, or a sequence of phases. */
import type { Phase, ProgressListener } from './progress-event.js';

/**
 * Runs one phase between start and end events, refusing to start it once `signal` has fired.
 * `describe` turns the result into the end event's detail. A failure emits no end event.
 *
 * @example const id = await runPhase(emit, 'hash-disk', signal, () => sha256File(disk));
 */
export async function runPhase<T>(
  emit: ProgressListener,
  phase: Phase,
  signal: AbortSignal | undefined,
  run: () => Promise<T>,
  describe: (result: T) => string = () => '',
): Promise<T> {
  signal?.throwIfAborted();
  emit({ kind: 'phase-start', phase });
  const started = Date.now();
  const result = await run();
  emit({ kind: 'phase-end', phase, elapsedMs: Date.now() - started, detail: describe(result) });
  return result;
}

/** Phases that follow one another in straight-line code: each start ends the one before. */
export interface PhaseSequence {
  start(phase: Phase): void;
  /** Ends the current phase (call it once the work succeeded). */
  end(detail?: string): void;
}

/**
 * @example const phases = phaseSequence(emit); phases.start('open'); …; phases.start('apply'); …; phases.end();
 */
export function phaseSequence(emit: ProgressListener): PhaseSequence {
  let current: { phase: Phase; started: number } | undefined;
  const end = (detail = ''): void => {
    if (!current) return;
    const { phase, started } = current;
    current = undefined;
    emit({ kind: 'phase-end', phase, elapsedMs: Date.now() - started, detail });
  };
  return {
    start(phase) {
      end();
      current = { phase, started: Date.now() };
      emit({ kind: 'phase-start', phase });
    },
    end,
  };
}

/**
 * Reports bytes of a phase at most every `step` bytes (and always the last count), so a fast
 * stream does not flood the listener.
 *
 * @example const count = byteCounter(emit, 'download', total); count(chunk.length);
 */
export function byteCounter(emit: ProgressListener, phase: Phase, total: number | undefined, step = 4 << 20): { add(bytes: number): void; done(): void } {
  let done = 0;
  let reported = 0;
  const report = (): void => {
    reported = done;
    emit({ kind: 'bytes', phase, done, ...(total !== undefined ? { total } : {}) });
  };
  return {
    add(bytes) {
      done += bytes;
      if (done - reported >= step) report();
    },
    done() {
      if (reported !== done) report();
    },
  };
}
