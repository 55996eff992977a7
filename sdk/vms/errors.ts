/** Errors of launching and managing synthesized VMs (and LaunchError, the root the customize/ errors share). Each says what failed and what to do, and carries its data. */
import { CloudletError, type ErrorCategory } from '../errors/cloudlet-error.js';

/** The root of the errors of launching and managing synthesized VMs. */
export class LaunchError extends CloudletError {
  static override readonly code: string = 'launch';
}

/** No synthesized VM has this ID, ID prefix or name. */
export class VmNotFoundError extends LaunchError {
  static override readonly code: string = 'launch-vm-not-found';
  constructor(readonly ref: string, readonly registryDir: string) {
    super(`no VM '${ref}' in ${registryDir} (cloudlet list shows the launched ones)`);
  }
}

/** A name or ID prefix that fits more than one VM. */
export class AmbiguousVmError extends LaunchError {
  static override readonly code: string = 'launch-vm-ambiguous';
  constructor(readonly ref: string, readonly matches: readonly string[]) {
    super(`'${ref}' matches ${matches.length} VMs (${matches.join(', ')}); give the full name`);
  }
}

/** The name asked for is taken, by a registered VM or by any libvirt domain. */
export class VmExistsError extends LaunchError {
  static override readonly code: string = 'launch-vm-exists';
  constructor(readonly vmName: string, readonly where: 'registry' | 'libvirt') {
    super(
      where === 'registry'
        ? `a VM named '${vmName}' is already registered; choose another name or destroy it first (cloudlet destroy ${vmName})`
        : `libvirt already has a domain named '${vmName}'; choose another name`,
    );
  }
}

/** A VM name we cannot give a libvirt domain: wrong characters or length, or one virsh would read as a domain ID or UUID. */
export class VmNameError extends LaunchError {
  static override readonly code: string = 'launch-vm-name';
  override readonly category: ErrorCategory = 'usage';
  constructor(readonly vmName: string, readonly problem: string) {
    super(`cannot name a VM ${JSON.stringify(vmName)}: ${problem}`);
  }
}

/**
 * `cloudlet destroy` found another domain under the VM's name: its UUID is not the one recorded
 * when the VM was defined. The VM's own domain is gone (it stopped; ours are transient), so its
 * record and files were removed; the other domain was left alone.
 */
export class VmDomainMismatchError extends LaunchError {
  static override readonly code: string = 'launch-vm-domain-mismatch';
  constructor(readonly vmName: string, readonly uri: string, readonly expectedUuid: string, readonly foundUuid: string, options?: ErrorOptions) {
    super(
      `the libvirt domain '${vmName}' at ${uri} is not this VM: its UUID is ${foundUuid}, this VM's was ${expectedUuid}. ` +
        `This VM's own domain is gone, so its record and files were removed; the other domain was left alone ` +
        `(if it is yours to remove too: virsh -c ${uri} destroy ${foundUuid}; virsh -c ${uri} undefine ${foundUuid})`,
      options,
    );
  }
}

/** A file to launch from is missing or is not what it must be. */
export class LaunchInputError extends LaunchError {
  static override readonly code: string = 'launch-input';
  constructor(readonly path: string, readonly problem: string) {
    super(`cannot launch from ${path}: ${problem}`);
  }
}

/** Port forwards need the VM's user-mode NIC, and this VM was saved without one. */
export class NoNetworkError extends LaunchError {
  static override readonly code: string = 'launch-no-network';
  constructor(readonly vmName: string, readonly forwards: number) {
    super(`cannot forward ${forwards} port(s) into '${vmName}': its base VM has no network card; create the base with network enabled`);
  }
}

/** A vm.json that is not what this version writes. */
export class VmRecordError extends LaunchError {
  static override readonly code: string = 'launch-vm-record';
  constructor(readonly path: string, readonly field: string, readonly problem: string) {
    super(`${path}: ${field} ${problem}`);
  }
}

/** `cloudlet console` could not connect to the VM's console socket. */
export class ConsoleAttachError extends LaunchError {
  static override readonly code: string = 'launch-console-attach';
  constructor(readonly vm: string, readonly socket: string, readonly problem: string, options?: ErrorOptions) {
    super(`cannot attach to the console of ${vm} (${socket}): ${problem}`, options);
  }
}

/** An overlay stream larger than synthesis accepts: the caller's cap, or the most an overlay of the base can hold. */
export class OverlayStreamTooLargeError extends LaunchError {
  static override readonly code: string = 'launch-overlay-stream-too-large';
  constructor(readonly limit: number, readonly declared: number | undefined) {
    super(declared !== undefined
      ? `the overlay stream declares ${declared} bytes, more than the limit of ${limit}; refused before reading it`
      : `the overlay stream sent more than the limit of ${limit} bytes`);
  }
}
