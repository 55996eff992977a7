// Errors of the remote SDK (ctx.cloudlet and the tasks built on it). A failure of `cloudlet` on a
// host arrives as its `--json` error line and becomes a RemoteCloudletError that keeps the remote
// error's code, class name, message and fields, so a program can match `remoteCode` as it would
// match `code` locally.
import { RunnerError } from '../errors.js';

/** `cloudlet` failed on a host; `remoteCode` is the SDK error's code (`base-unknown`, `overlay-wrong-base`, …). */
export class RemoteCloudletError extends RunnerError {
  static override readonly code: string = 'remote-cloudlet-failed';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly remoteCode: string,
    readonly remoteName: string,
    readonly remoteMessage: string,
    readonly remoteFields: Readonly<Record<string, unknown>>,
  ) {
    super(`${host}: cloudlet ${command}: ${remoteMessage}`);
  }
}

/** The host has no `cloudlet` command, or another build of it than this operator's. */
export class CloudletVersionError extends RunnerError {
  static override readonly code: string = 'remote-cloudlet-version';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    /** The deployed bundle key (`0.1.0-x64-…`), null when the SDK is not deployed. */
    readonly deployed: string | null,
    readonly expected: string,
  ) {
    super(
      deployed === null
        ? `${host}: the cloudlet SDK is not deployed; run \`cloudlet-tasks -H ${host} install\` first`
        : `${host}: runs cloudlet ${deployed} but this operator has ${expected}; run \`cloudlet-tasks -H ${host} install\` (or pass --deploy) to update it`,
    );
  }
}

/** A line of `cloudlet --json` output that is not the format this runner reads (another `v`, or no JSON). */
export class RemoteProtocolError extends RunnerError {
  static override readonly code: string = 'remote-cloudlet-protocol';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly command: string,
    readonly line: string,
    readonly reason: string,
  ) {
    super(`${host}: cloudlet ${command} wrote output this cloudlet-tasks cannot read (${reason}): ${line.slice(0, 200)}; run \`cloudlet-tasks install\` so both sides are the same release`);
  }
}

/** The overlay was made from another base than the one named: refused before anything is uploaded. */
export class OverlayForOtherBaseError extends RunnerError {
  static override readonly code: string = 'remote-overlay-wrong-base';
  override readonly category = 'usage';
  constructor(
    readonly overlay: string,
    readonly base: string,
    readonly overlayBase: string,
  ) {
    super(`overlay ${overlay} was made from base ${overlayBase}, not ${base}; name that base (or the overlay made from ${base.slice(0, 12)})`);
  }
}

/** The named base is not on the host; `available` lists what it has. */
export class RemoteBaseUnknownError extends RunnerError {
  static override readonly code: string = 'remote-base-unknown';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly base: string,
    readonly available: readonly string[],
  ) {
    super(`${host}: has no base '${base}'; it has ${available.length === 0 ? 'none' : available.join(', ')} (push it with \`cloudlet-tasks -H ${host} push-base ARCHIVE\`)`);
  }
}

/**
 * push-base --relay: the source could not log in to the target with the transfer's key, or did
 * not accept the target's host key. Another source would fare the same, so the host fails.
 */
export class RelayRefusedError extends RunnerError {
  static override readonly code: string = 'relay-refused';
  override readonly category = 'task';
  constructor(
    readonly source: string,
    readonly target: string,
    readonly reason: string,
  ) {
    super(
      `${target}: refused the relay from ${source} (${reason}); the target's sshd must read ~/.ssh/authorized_keys with key options (OpenSSH >= 7.7 for expiry-time) and be reachable from ${source} at the address the operator uses, with the same host key; or push without --relay`,
    );
  }
}

/** synthesis --server: the token file (on the operator's machine) is missing, unreadable or holds no token. */
export class ServerTokenFileError extends RunnerError {
  static override readonly code: string = 'synthesis-server-token-file';
  override readonly category = 'usage';
  constructor(
    readonly host: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${host}: --token-file ${file} ${problem}; put in it the token \`cloudlet token create NAME\` printed on ${host} (as the VM user): one line, one file per host ({host} in the path)`);
  }
}

/** synthesis --server: the host's synthesis server refused the token (401): unknown, revoked, or another host's. */
export class ServerTokenRefusedError extends RunnerError {
  static override readonly code: string = 'synthesis-server-unauthorized';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly url: string,
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${host}: the synthesis server ${url} refused the token in ${file} (${reason}); make one on ${host} with \`cloudlet token create NAME\` as the VM user and put it in ${file}`);
  }
}

/**
 * synthesis --server: the server's certificate is not the pinned one, so nothing was sent (the
 * token included). `source` says where the pin came from: `--pin`, or the host's self-signed
 * certificate read over SSH.
 */
export class ServerPinMismatchError extends RunnerError {
  static override readonly code: string = 'synthesis-server-pin-mismatch';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly url: string,
    readonly pinned: string,
    readonly actual: string,
    readonly source: 'pin-option' | 'ssh',
  ) {
    super(
      `${host}: the synthesis server ${url} presented certificate ${actual}, not ${pinned}: nothing was sent, the token included; ` +
        (source === 'ssh'
          ? `${pinned} is the self-signed certificate of ${host}'s cloudlet directory (read over SSH): if its server runs with --cert, pass that certificate's --pin; else another program answers at ${url}`
          : `if the server's certificate was replaced, leave --pin out (the runner then reads it over SSH) or pin what \`cloudlet serve --print-fingerprint\` prints on ${host}`),
    );
  }
}

/** synthesis --server: the server could not be reached, or its certificate was not trusted (no pin, and no CA vouches for it). */
export class ServerUnreachableHostError extends RunnerError {
  static override readonly code: string = 'synthesis-server-unreachable';
  override readonly category = 'task';
  override readonly retryable = true;
  constructor(
    readonly host: string,
    readonly url: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${host}: cannot reach the synthesis server ${url} (${problem}): is \`cloudlet serve\` running on ${host}? \`cloudlet-tasks -H ${host} install --server\` runs it as a service (systemd hosts); or give --server-url where it listens`, options);
  }
}
