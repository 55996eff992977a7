// How a step kind reports a local file (archive, overlay, template) it cannot use, so that every
// kind says "no such local file" alike and any other failure with its reason.
import type { ArgProblem } from '../step-kind.js';

/** The problem at argument `key` for `path`, which failed to open or read as a `what` with `error`. */
export function localFileProblem(key: string, path: string, what: string, error: unknown): ArgProblem {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as { cause?: NodeJS.ErrnoException }).cause?.code === 'ENOENT') {
    return { path: [key], message: `no such local file: ${path}` };
  }
  return { path: [key], message: `${path}: not a readable ${what} (${(error as Error).message})` };
}
