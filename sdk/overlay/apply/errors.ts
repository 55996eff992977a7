/** Typed errors of applying overlay items; tests assert on class and fields, never on text. */
import type { ItemAddress } from '../items/index.js';
import { CloudletError } from '../../errors/cloudlet-error.js';

/**
 * An item could not be turned into its chunk (a patch that does not apply to its base chunk), or
 * names a chunk already written by an earlier blob.
 */
export class ItemApplyError extends CloudletError {
  static override readonly code: string = 'overlay-item-apply';
  constructor(readonly blob: string, readonly offset: number, readonly address: ItemAddress, readonly reason: string, options?: ErrorOptions) {
    super(`blob ${blob}, item at byte ${offset} (${address.kind} ${address.index}): ${reason}`, options);
  }
}
