// The one-transfer key of a relay from host A to host B: a fresh ed25519 pair made on the operator
// (ssh2's key generator, so no file and no ssh-keygen), and the authorized_keys line that lets it
// do one thing on B: `restrict` (no pty, no forwarding, no agent, no X11, no ~/.ssh/rc), an
// expiry-time that bounds a crashed run, and a forced command that can only append to that
// upload's partial file, whatever A asks to run.
import { randomBytes } from 'node:crypto';
import ssh2 from 'ssh2';
import { sh } from '../command/command.js';
import { UsageError } from '../errors.js';

/** How long a relay key is accepted at most; its line is removed as soon as the transfer ends. */
export const RELAY_KEY_LIFETIME_MS = 60 * 60 * 1000;

export interface RelayKey {
  /** OpenSSH private key (unencrypted): goes only to the source host, through stdin, into a 0600 file. */
  readonly privateKey: string;
  /** `ssh-ed25519 AAAA…` without a comment. */
  readonly publicKey: string;
  /** The comment that marks this transfer's authorized_keys line (lowercase hex), to remove it. */
  readonly marker: string;
}

export function relayKey(): RelayKey {
  const marker = `cloudlet-relay-${randomBytes(8).toString('hex')}`;
  const pair = ssh2.utils.generateKeyPairSync('ed25519', { comment: marker });
  const [type, blob] = pair.public.trim().split(/\s+/);
  return { privateKey: pair.private, publicKey: `${type} ${blob}`, marker };
}

/**
 * The authorized_keys line for one relay into `partial` (a path relative to the user's home, where
 * sshd runs the command). `expiry` is `YYYYMMDDHHMMSS` in the target's time zone, as sshd reads it.
 * Inside the quoted command option sshd turns `\"` into `"` and keeps every other backslash, so the
 * shell-quoted command only needs its double quotes escaped.
 */
export function authorizedKeysLine(key: Pick<RelayKey, 'publicKey' | 'marker'>, partial: string, expiry: string): string {
  if (!/^\d{14}$/.test(expiry)) throw new UsageError(`relay key expiry '${expiry}' is not YYYYMMDDHHMMSS`);
  if (!/^cloudlet-relay-[0-9a-f]+$/.test(key.marker)) throw new UsageError(`relay key marker '${key.marker}' is not cloudlet-relay-<hex>`);
  if (!/^ssh-ed25519 [A-Za-z0-9+/]+=*$/.test(key.publicKey)) throw new UsageError('a relay key must be one ssh-ed25519 public key');
  if (/[\0\r\n]/.test(partial) || partial === '') throw new UsageError('a relay target path must be one line');
  const command = sh`cat >> ${partial}`.text.replace(/"/g, '\\"');
  return `restrict,expiry-time="${expiry}",command="${command}" ${key.publicKey} ${key.marker}`;
}
