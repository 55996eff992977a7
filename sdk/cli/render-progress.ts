/**
 * Renders the SDK's progress events: plain lines for people, or with --json one JSON object per
 * line (events, then a final {"kind":"result"}) for programs. Base and launch events share shapes.
 */
import type { BaseProgress } from '../base/index.js';
import type { LaunchProgress } from '../launch/index.js';
import type { CliIo } from './command.js';

export type ProgressEvent = BaseProgress | LaunchProgress;

export interface Renderer {
  progress(event: ProgressEvent): void;
  /** The outcome: `lines` for people, `value` for --json. */
  result(lines: readonly string[], value: unknown): void;
}

/** @example const render = renderer(io, values.json); await createBase(disk, { onProgress: render.progress }); */
export function renderer(io: CliIo, json: boolean): Renderer {
  const line = (text: string) => io.stdout.write(`${text}\n`);
  if (json) {
    return {
      progress: (event) => line(JSON.stringify(event)),
      result: (_lines, value) => line(JSON.stringify({ kind: 'result', ...(value as object) })),
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

function plainLine(event: ProgressEvent): string | undefined {
  switch (event.kind) {
    case 'step-start':
      return undefined;
    case 'step-done':
      return `${event.step.padEnd(12)}${`${event.elapsedMs} ms`.padStart(9)}${event.detail ? `  ${event.detail}` : ''}`;
    case 'acceleration':
      return `accelerator: ${event.domainType === 'kvm' ? 'KVM' : 'TCG'} (${event.detail})`;
    case 'console':
      return `console: ${event.domain} writes to ${event.serialLog} (tail -f ${event.serialLog})${'socket' in event && event.socket ? `; type on it: cloudlet console --socket ${event.socket}` : ''}`;
    case 'cleaned':
      return `cleaned up: ${event.domain ? `domain ${event.domain}, ` : ''}${event.path}`;
    case 'script-output':
      return `${event.stream === 'stderr' ? 'script!' : 'script:'} ${event.line}`;
  }
}
