import { CloudletError } from '../errors/cloudlet-error.js';

/**
 * A file the SDK creates (a partial or temporary file next to an output, a VM's file) already
 * exists: it is never opened, followed (a planted symlink) or replaced.
 */
export class FileInTheWayError extends CloudletError {
  static override readonly code: string = 'file-in-the-way';
  constructor(readonly path: string, options?: ErrorOptions) {
    super(`${path} already exists (left by an interrupted run, or put there by someone else); nothing was written to it or through it: remove it and run again`, options);
  }
}

/** A finished file is never moved over an existing one. */
export class OutputFileExistsError extends CloudletError {
  static override readonly code: string = 'file-output-exists';
  constructor(readonly path: string, options?: ErrorOptions) {
    super(`${path} already exists and is not replaced: choose another name or remove it first`, options);
  }
}
