/** Errors of early start. */
import { CloudletError } from '../errors/cloudlet-error.js';

/**
 * A disk blob of an early-started VM failed (its SHA-256, its items, the transfer): the VM was
 * stopped, and the reads waiting for the blob failed with EIO, so the guest never saw its bytes.
 */
export class LazyDiskFailedError extends CloudletError {
  static override readonly code: string = 'vm-early-start-failed';
  constructor(readonly blob: string | undefined, readonly reason: string, options?: ErrorOptions) {
    super(
      `the early-started VM was stopped: ${blob === undefined ? 'the overlay' : `overlay blob ${blob}`} failed after it resumed (${reason}); ` +
        'its disk reads of what had not arrived failed with EIO and the guest never got those bytes; synthesize again (without --early-start to check the whole overlay before the VM runs)',
      options,
    );
  }
}
