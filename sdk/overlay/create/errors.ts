/** Typed errors of making an overlay; tests assert on class and fields, never on text. Their root and the VM state record's errors live in ../vm-state/errors.ts and are re-exported here. */
import { OverlayCreateError } from '../vm-state/errors.js';

export { OverlayCreateError, MissingVmStateError, VmStateFormatError } from '../vm-state/errors.js';

/** The customized disk is not the size of its base; an overlay only describes same-size disks. */
export class DiskSizeMismatchError extends OverlayCreateError {
  static override readonly code: string = 'overlay-create-disk-size-mismatch';
  constructor(readonly baseBytes: number, readonly customizedBytes: number) {
    super(`the customized disk is ${customizedBytes} bytes but its base is ${baseBytes}: resize one of them to match`);
  }
}
