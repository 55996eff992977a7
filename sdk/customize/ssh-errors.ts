/**
 * Errors of customizing a VM over SSH (ssh-script.ts). Each names the SSH destination and keeps
 * what ssh said, because "exit code 255" alone tells an operator nothing.
 */
import { LaunchError } from '../vms/errors.js';

/** Why the guest's sshd could not be reached. */
export type SshConnectProblem = 'refused' | 'timeout' | 'closed';

/** The guest's sshd did not answer before the wait ran out: no forward, no sshd, or a guest still booting. */
export class SshConnectError extends LaunchError {
  static override readonly code: string = 'launch-ssh-connect';
  constructor(
    readonly destination: string,
    readonly problem: SshConnectProblem,
    readonly waitedMs: number,
    readonly attempts: number,
    readonly sshMessage: string,
  ) {
    super(
      `no SSH server answered at ${destination} within ${Math.round(waitedMs / 1000)} s (${attempts} attempts, last: ${problem}: ${sshMessage || 'no message'}); ` +
        'check that the port is forwarded to the guest (--forward tcp:HOST:PORT:22) and that its sshd starts',
    );
  }
}

/** The server's host key is not the one the caller pinned: a different guest, or a man in the middle. Never retried. */
export class SshHostKeyError extends LaunchError {
  static override readonly code: string = 'launch-ssh-host-key';
  constructor(
    readonly destination: string,
    /** The pinned fingerprint, or the known_hosts file that was checked. */
    readonly expected: string,
    /** Fingerprints the server offered, when they are known. */
    readonly offered: readonly string[],
    readonly sshMessage: string,
  ) {
    super(
      `the SSH host key of ${destination} does not match ${expected}${offered.length > 0 ? ` (it offered ${offered.join(', ')})` : ''}; ` +
        `refusing to connect${sshMessage ? `: ${sshMessage}` : ''}`,
    );
  }
}

/** The server answered and its key matched, but refused the key we logged in with. */
export class SshAuthError extends LaunchError {
  static override readonly code: string = 'launch-ssh-auth';
  constructor(
    readonly destination: string,
    readonly identityFile: string,
    readonly sshMessage: string,
  ) {
    super(`${destination} refused the key ${identityFile}: ${sshMessage}; put its public key in the guest's authorized_keys`);
  }
}

/** The connection broke while the script ran (the guest crashed, or its network or sshd went away): it may have run in part. */
export class SshSessionLostError extends LaunchError {
  static override readonly code: string = 'launch-ssh-session-lost';
  constructor(
    readonly destination: string,
    readonly scriptFile: string,
    readonly sshMessage: string,
  ) {
    super(`the SSH session to ${destination} ended before the script ${scriptFile} finished: ${sshMessage}; nothing was saved`);
  }
}

/** The customization script ran and exited with a code other than 0. */
export class SshScriptError extends LaunchError {
  static override readonly code: string = 'launch-ssh-script-failed';
  constructor(
    readonly destination: string,
    readonly scriptFile: string,
    readonly exitCode: number,
    /** The script's last lines of stderr. */
    readonly stderrTail: readonly string[],
  ) {
    super(
      `the script ${scriptFile} exited with code ${exitCode} in ${destination}${stderrTail.length > 0 ? `; its stderr ended with: ${stderrTail.join(' | ')}` : ''}; nothing was saved`,
    );
  }
}
