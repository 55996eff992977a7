/**
 * Renders the SDK's progress events (sdk/progress/progress-event.ts): plain lines for people, or
 * with --json one JSON object per line for programs: every event as it is with `v` (the format's
 * version) first, then a final {"v":1,"kind":"result",…}.
 */
import { PROGRESS_EVENT_VERSION, type Progress } from '../progress/index.js';
import type { CliIo } from './command.js';

export type { Progress } from '../progress/index.js';

export interface Renderer {
  progress(event: Progress): void;
  /** The outcome: `lines` for people, `value` for --json. */
  result(lines: readonly string[], value: unknown): void;
}

/** @example const render = renderer(io, values.json); await createBase(disk, { onProgress: render.progress }); */
export function renderer(io: CliIo, json: boolean): Renderer {
  const line = (text: string) => io.stdout.write(`${text}\n`);
  if (json) {
    return {
      progress: (event) => line(jsonLine(event)),
      result: (_lines, value) => line(jsonLine({ kind: 'result', ...(value as object) })),
    };
  }
  return {
    progress: (event) => {
      const text = plainLine(event);
      if (text !== undefined) line(text);
    },
    result: (lines) => lines.forEach(line),
  };
}

/** One `--json` line: the object with the format's version first. */
export function jsonLine(event: object): string {
  return JSON.stringify({ v: PROGRESS_EVENT_VERSION, ...event });
}

/** A line for people, or undefined for events they need not see (phase starts, bytes, blobs). */
export function plainLine(event: Progress): string | undefined {
  switch (event.kind) {
    case 'phase-start':
    case 'bytes':
    case 'blob':
      return undefined;
    case 'phase-end': {
      // A callee's phases (createOverlay's within `overlay`) are indented under the caller's.
      const indent = event.within ? '  ' : '';
      return `${indent}${event.phase.padEnd(12 - indent.length)}${`${event.elapsedMs} ms`.padStart(9)}${event.detail ? `  ${event.detail}` : ''}`;
    }
    case 'warning':
      return `warning: ${event.message}`;
    case 'acceleration':
      return `accelerator: ${event.domainType === 'kvm' ? 'KVM' : 'TCG'} (${event.detail})`;
    case 'console':
      return `console: ${event.domain} writes to ${event.serialLog} (tail -f ${event.serialLog})${event.socket ? `; type on it: cloudlet console --socket ${event.socket}` : ''}`;
    case 'cleaned':
      return `cleaned up: ${event.domain ? `domain ${event.domain}, ` : ''}${event.path}`;
    case 'script-output':
      return `${event.stream === 'stderr' ? 'script!' : 'script:'} ${event.line}`;
  }
}
