// Errors become plain data for events, JSON output and the summary.
import { RunnerError } from '../errors.js';
import type { ErrorInfo } from './events.js';

const HIDDEN = new Set(['stack', 'cause', 'message', 'name']);

export function errorInfo(error: unknown): ErrorInfo {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), category: 'internal' };
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(error)) if (!HIDDEN.has(key)) fields[key] = value;
  return {
    ...fields,
    name: error.name,
    message: error.message,
    category: error instanceof RunnerError ? error.category : 'internal',
  };
}
