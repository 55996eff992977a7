// One JSON object per line and event, for machines (`--json`). A progress event's object
// carries `v`, the SDK's progress format version, as the host's own `cloudlet --json` lines do.
import { PROGRESS_EVENT_VERSION } from '../../sdk/progress/index.js';
import type { RunEvent } from '../run/events.js';
import type { Renderer, Write } from './renderer.js';

function versioned(event: RunEvent): object {
  return event.type === 'progress' ? { ...event, progress: { v: PROGRESS_EVENT_VERSION, ...event.progress } } : event;
}

export function jsonRenderer(write: Write): Renderer {
  return {
    emit: (event) => write(JSON.stringify({ time: new Date().toISOString(), ...versioned(event) })),
    close: async () => undefined,
  };
}
