/** Errors of customizing a resumed base into an overlay. They are launch errors: LaunchError is their root (../vms/errors.ts). */
import { LaunchError } from '../vms/errors.js';

/** `cloudlet overlay` never replaces a file: the overlay's output path is taken. */
export class OverlayOutputExistsError extends LaunchError {
  static override readonly code: string = 'launch-overlay-output-exists';
  constructor(readonly path: string) {
    super(`${path} already exists; choose another --output or remove it`);
  }
}

/** The customized VM's console socket could not be reached to type on it. */
export class ConsoleInputError extends LaunchError {
  static override readonly code: string = 'launch-console-input';
  constructor(readonly socket: string, readonly problem: string) {
    super(`cannot type on the VM's console ${socket}: ${problem}`);
  }
}
