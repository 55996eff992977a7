// A renderer turns run events into output. The runner never prints; the CLI picks one.
import type { EventSink } from '../run/events.js';

export interface Renderer {
  readonly emit: EventSink;
  /** Waits until everything is written (listr2 draws asynchronously). */
  close(): Promise<void>;
}

export type Write = (text: string) => void;
