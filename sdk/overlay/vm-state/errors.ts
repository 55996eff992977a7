/** Typed errors of an overlay's VM state record, and OverlayCreateError, the root they share with createOverlay's (../create/errors.ts); tests assert on class and fields, never on text. */
import { CloudletError } from '../../errors/cloudlet-error.js';

/** Base class: every refusal of createOverlay or of an overlay's VM state record (beyond those of the parts they drive). */
export class OverlayCreateError extends CloudletError {
  static override readonly code: string = 'overlay-create';
}

/** The overlay's first blob is not a VM state record (it claims chunks, or there are no blobs). */
export class MissingVmStateError extends OverlayCreateError {
  static override readonly code: string = 'overlay-create-missing-vm-state';
  constructor(readonly blob: string | null) {
    super(`the overlay has no VM state record${blob === null ? '' : ` (its first blob ${blob} claims chunks)`}: not made by createOverlay`);
  }
}

/** A VM state record (the first blob of an overlay) that is malformed: refused before any of it is used. */
export class VmStateFormatError extends OverlayCreateError {
  static override readonly code: string = 'overlay-create-vm-state-format';
  constructor(readonly field: string, readonly reason: string) {
    super(`overlay VM state record: ${field}: ${reason}`);
  }
}
