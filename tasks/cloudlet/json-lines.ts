// Reads what `cloudlet COMMAND --json` writes on stdout, line by line as it arrives: every line
// is one object of the SDK's progress format (sdk/progress/progress-event.ts), `v` first. Progress
// events go on to the run's renderer as they come; the last line is the `result` or the `error`.
// A line of another `v`, or no JSON at all, means the two sides are different releases: the reader
// keeps the first such line and the command fails with RemoteProtocolError instead of guessing.
import { PROGRESS_EVENT_VERSION, type Progress } from '../../sdk/progress/index.js';
import type { ErrorInfo } from '../run/events.js';

/** How one `cloudlet --json` command ended, as its lines said. */
export type CloudletOutcome =
  | { readonly kind: 'result'; readonly value: Readonly<Record<string, unknown>> }
  | { readonly kind: 'error'; readonly error: ErrorInfo }
  | { readonly kind: 'unreadable'; readonly line: string; readonly reason: string }
  | { readonly kind: 'none' };

export class CloudletLines {
  #outcome: CloudletOutcome = { kind: 'none' };

  constructor(private readonly onProgress: (event: Progress) => void) {}

  /** One stdout line of the remote command. */
  readonly feed = (line: string): void => {
    if (line.trim() === '' || this.#outcome.kind === 'unreadable') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.#outcome = { kind: 'unreadable', line, reason: 'not a JSON line' };
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.#outcome = { kind: 'unreadable', line, reason: 'not a JSON object' };
      return;
    }
    const { v, kind, ...rest } = value as Record<string, unknown>;
    if (v !== PROGRESS_EVENT_VERSION) {
      this.#outcome = { kind: 'unreadable', line, reason: `format version ${String(v)}, this side reads ${PROGRESS_EVENT_VERSION}` };
      return;
    }
    if (kind === 'result') this.#outcome = { kind: 'result', value: rest };
    else if (kind === 'error') this.#outcome = { kind: 'error', error: rest['error'] as ErrorInfo };
    else if (typeof kind === 'string') this.onProgress({ kind, ...rest } as Progress);
  };

  get outcome(): CloudletOutcome {
    return this.#outcome;
  }
}
