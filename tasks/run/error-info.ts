// Errors become plain data for events, JSON output and the summary: the fields they carry plus
// name, message, the stable `code` of their class and the `category` that decides the exit code
// (`internal` for anything that is no CloudletError).
import { errorData } from '../../sdk/errors/cloudlet-error.js';
import type { ErrorInfo } from './events.js';

export function errorInfo(error: unknown): ErrorInfo {
  return errorData(error);
}
