// Typed errors of resumable uploads (ctx.upload). Failures of the transport itself (a cut
// connection, an unreadable local file) stay TransferErrors; these two say what the upload
// protocol found, and what became of the partial upload.
import { RunnerError } from '../errors.js';
import { megabytes } from '../render/format.js';

/** The uploaded file's SHA-256 is not the expected one: the partial upload was removed. */
export class UploadCorruptError extends RunnerError {
  static override readonly code: string = 'upload-corrupt';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(
      `${host}: the upload of ${path} arrived corrupted (SHA-256 ${actual}, expected ${expected}); it was removed and nothing was installed. ` +
        'Run again to upload it anew; if it happens again, check the local file (and a given sha256) and the host\'s disk',
    );
  }
}

/**
 * The host's file system has no room for the rest of an upload. The partial upload is kept
 * (`<path>.part`), so that freeing space and running again resumes it instead of starting over.
 */
export class UploadNoSpaceError extends RunnerError {
  static override readonly code: string = 'upload-no-space';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly path: string,
    /** Bytes still to send. */
    readonly neededBytes: number,
    readonly availableBytes: number,
    /** Bytes of the partial upload kept on the host. */
    readonly partialBytes: number,
    options?: { cause?: unknown },
  ) {
    const partial = partialBytes > 0
      ? `The partial upload ${path}.part (${megabytes(partialBytes)} MB) is kept: free space and run again to resume it, or remove it`
      : 'Nothing was sent: free space and run again';
    super(`${host}: not enough space for ${path}: ${megabytes(neededBytes)} MB more are needed, ${megabytes(availableBytes)} MB are free there. ${partial}`, options);
  }
}
