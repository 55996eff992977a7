// Why the `base` and `vm` steps of a playbook refuse to go on: the host holds something else than
// the playbook says and changing it would lose data, or a pinned digest no longer matches.
import { RunnerError } from '../../errors.js';

/** The VM of that name was made from another overlay (or one whose SHA-256 was not recorded), and `replace` is not set. */
export class VmOverlayDiffersError extends RunnerError {
  static override readonly code: string = 'play-vm-overlay-differs';
  override readonly category = 'task';
  constructor(
    readonly vmName: string,
    readonly vmId: string,
    /** The overlay the VM was synthesized from (path on the host, or URL), and its SHA-256 when recorded. */
    readonly recorded: { readonly overlay?: string; readonly sha256?: string },
    /** The overlay the playbook names, and the SHA-256 it must have (when known). */
    readonly wanted: { readonly overlay: string; readonly sha256?: string },
  ) {
    const was = recorded.sha256 ? `overlay ${recorded.sha256.slice(0, 12)} (${recorded.overlay ?? '?'})` : `${recorded.overlay ?? 'an overlay'}, whose SHA-256 was not recorded`;
    const want = wanted.sha256 ? `${wanted.sha256.slice(0, 12)} (${wanted.overlay})` : wanted.overlay;
    super(`VM ${vmName} (${vmId}) was synthesized from ${was}, not from ${want}; set replace: true to destroy it and synthesize it anew, or give the VM another name`);
  }
}

/** The VM exists with the wanted overlay but does not run, and it cannot be resumed as it is. */
export class VmNotRunningError extends RunnerError {
  static override readonly code: string = 'play-vm-not-running';
  override readonly category = 'task';
  constructor(
    readonly vmName: string,
    readonly vmId: string,
    readonly uuid: string,
    /** What libvirt says: paused, shut-off, crashed, gone (no domain any more), unknown (libvirtd unreachable), … */
    readonly state: string,
  ) {
    super(`VM ${vmName} (${vmId}) is ${state}, not running; ${remedy(state, uuid)}`);
  }
}

function remedy(state: string, uuid: string): string {
  if (state === 'unknown') return 'libvirtd does not answer on the host: start it (sudo systemctl start libvirtd) and run the playbook again';
  if (state === 'paused' || state === 'pm-suspended') return `resume it on the host (virsh -c qemu:///system resume ${uuid}), or set replace: true to synthesize it anew`;
  // Synthesized domains are transient and their save image goes once they resumed: nothing is left to start.
  return 'a synthesized VM cannot be started again once its domain stopped: set replace: true to synthesize it anew (its disk changes are lost), or remove it with state: absent';
}

/** A base archive's ID is not the one the playbook pins (`base: { id: … }`). */
export class BaseIdMismatchError extends RunnerError {
  static override readonly code: string = 'play-base-id-mismatch';
  override readonly category = 'usage';
  constructor(
    readonly archive: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${archive} holds base ${actual}, not the pinned ${expected}: put the pinned archive there, or change id: to the archive's`);
  }
}

/** An overlay file's SHA-256 is not the one the playbook pins (`vm: { sha256: … }`). */
export class OverlayDigestMismatchError extends RunnerError {
  static override readonly code: string = 'play-overlay-sha256-mismatch';
  override readonly category = 'usage';
  constructor(
    readonly overlay: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${overlay} has SHA-256 ${actual}, not the pinned ${expected}: put the pinned overlay there, or change sha256: to the file's`);
  }
}
