// One JSON object per line and event, for machines (`--json`).
import type { Renderer, Write } from './renderer.js';

export function jsonRenderer(write: Write): Renderer {
  return {
    emit: (event) => write(JSON.stringify({ time: new Date().toISOString(), ...event })),
    close: async () => undefined,
  };
}
