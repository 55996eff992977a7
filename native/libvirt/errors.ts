/**
 * Errors of the libvirt binding. @unraid/libvirt rejects with libvirt's message text only (its
 * code fields are always -1), so the failures callers act on are recognized from that text, once,
 * here; everything else stays a LibvirtOperationError carrying the message.
 */
import { CloudletError } from '../../sdk/errors/cloudlet-error.js';

/** Base class of every libvirt failure: what was attempted, on which connection and domain. */
export class LibvirtError extends CloudletError {
  static override readonly code: string = 'libvirt';
  constructor(
    readonly operation: string,
    readonly uri: string,
    readonly domain: string | undefined,
    /** libvirt's own message, verbatim. */
    readonly libvirtMessage: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type UnavailableReason = 'not-running' | 'permission-denied' | 'other';

/** The daemon behind `uri` cannot be reached: most often libvirtd is not running. */
export class LibvirtUnavailableError extends LibvirtError {
  static override readonly code: string = 'libvirt-unavailable';
  constructor(uri: string, readonly reason: UnavailableReason, libvirtMessage: string, options?: { cause?: unknown }) {
    const fix =
      reason === 'not-running'
        ? 'start it (systemctl start libvirtd, or as root without systemd: virtlogd -d; libvirtd -d)'
        : reason === 'permission-denied'
          ? 'run as root or join the libvirt group and log in again'
          : 'check that libvirt is installed and libvirtd runs (cloudlet doctor)';
    super('connect', uri, undefined, libvirtMessage, `libvirt is not reachable at ${uri}: ${libvirtMessage}; ${fix}`, options);
  }
}

export class DomainNotFoundError extends LibvirtError {
  static override readonly code: string = 'libvirt-domain-not-found';
  constructor(operation: string, uri: string, domain: string, libvirtMessage: string) {
    super(operation, uri, domain, libvirtMessage, `no libvirt domain '${domain}' at ${uri} (${operation})`);
  }
}

/** A domain with the same name or UUID is already defined or running. */
export class DomainExistsError extends LibvirtError {
  static override readonly code: string = 'libvirt-domain-exists';
  constructor(operation: string, uri: string, domain: string | undefined, libvirtMessage: string) {
    super(operation, uri, domain, libvirtMessage, `${operation}: domain ${domain ? `'${domain}' ` : ''}already exists: ${libvirtMessage}; remove it with virsh destroy/undefine`);
  }
}

/**
 * The domain found under a name is not the one we defined: its UUID differs. qemu:///system is
 * shared by every user, so it is someone else's (or a new one made under a name ours left free) and
 * is left untouched.
 */
export class DomainUuidMismatchError extends LibvirtError {
  static override readonly code: string = 'libvirt-domain-uuid-mismatch';
  constructor(operation: string, uri: string, domain: string, readonly expectedUuid: string, readonly foundUuid: string) {
    super(
      operation,
      uri,
      domain,
      '',
      `${operation}: the domain '${domain}' at ${uri} has UUID ${foundUuid}, not ${expectedUuid} (the one we defined): it is another domain and was left alone; if it is yours to remove, do it by UUID (virsh -c ${uri} destroy ${foundUuid}; virsh -c ${uri} undefine ${foundUuid})`,
    );
  }
}

/** The operation needs a running domain (save, destroy) and this one is shut off. */
export class DomainNotRunningError extends LibvirtError {
  static override readonly code: string = 'libvirt-domain-not-running';
  constructor(operation: string, uri: string, domain: string | undefined, libvirtMessage: string) {
    super(operation, uri, domain, libvirtMessage, `${operation}: domain '${domain ?? '?'}' is not running`);
  }
}

/** QEMU could not listen on a host port for a forward (in use, or not an address of this host). */
export class PortInUseError extends LibvirtError {
  static override readonly code: string = 'libvirt-port-in-use';
  constructor(uri: string, domain: string, readonly protocol: string, readonly hostAddress: string, readonly hostPort: number, qemuMessage: string) {
    super('add port forward', uri, domain, qemuMessage, `cannot forward ${protocol} ${hostAddress}:${hostPort} into '${domain}': the port is in use; choose another one`);
  }
}

/** libvirtd has no QEMU to run the domain with: the emulator package is not installed (or not for this architecture). */
export class QemuMissingError extends LibvirtError {
  static override readonly code: string = 'libvirt-qemu-missing';
  constructor(operation: string, uri: string, domain: string | undefined, libvirtMessage: string) {
    super(operation, uri, domain, libvirtMessage, `${operation}: libvirt finds no QEMU to run the VM (${libvirtMessage}); install qemu-system-x86 (\`cloudlet-tasks install\` does) and restart libvirtd so it probes QEMU again`);
  }
}

/** Any other failure of a libvirt call. */
export class LibvirtOperationError extends LibvirtError {
  static override readonly code: string = 'libvirt-operation-failed';
  constructor(operation: string, uri: string, domain: string | undefined, libvirtMessage: string, options?: { cause?: unknown }) {
    super(operation, uri, domain, libvirtMessage, `libvirt ${operation}${domain ? ` of '${domain}'` : ''} failed: ${libvirtMessage}`, options);
  }
}

/** What a failed call was: the operation, the connection URI and the domain it concerned. */
export interface CallContext {
  operation: string;
  uri: string;
  domain?: string;
}

/** Turns whatever the binding threw into the matching typed error. */
export function toLibvirtError(error: unknown, call: CallContext): LibvirtError {
  if (error instanceof LibvirtError) return error;
  const message = (error instanceof Error ? error.message : String(error)).trim();
  const { operation, uri, domain } = call;
  if (/Failed to connect socket|Connection refused|Cannot recv data|End of file while reading data|no connection driver available/i.test(message)) {
    const reason: UnavailableReason = /Permission denied/i.test(message) ? 'permission-denied' : /No such file|Connection refused/i.test(message) ? 'not-running' : 'other';
    return new LibvirtUnavailableError(uri, reason, message, { cause: error });
  }
  if (/Domain not found|no domain with matching/i.test(message)) return new DomainNotFoundError(operation, uri, domain ?? '?', message);
  if (/already exists|is already (defined|active)/i.test(message)) return new DomainExistsError(operation, uri, domain, message);
  // The three ways libvirt says it has no emulator: a missing binary named in the XML or capabilities,
  // no emulator for the guest's architecture, no capabilities for the arch/type pair.
  if (/Cannot check QEMU binary|Cannot find suitable emulator|could not find capabilities for/i.test(message)) return new QemuMissingError(operation, uri, domain, message);
  if (/domain is not running/i.test(message)) return new DomainNotRunningError(operation, uri, domain, message);
  return new LibvirtOperationError(operation, uri, domain, message, { cause: error });
}
