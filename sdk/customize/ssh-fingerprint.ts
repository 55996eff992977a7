/**
 * OpenSSH's SHA-256 key fingerprint, the one form both the SDK (pinned guest keys) and the task
 * runner (known_hosts checks) print and compare. Only node:crypto here, so tasks/ can import it.
 */
import { createHash } from 'node:crypto';

/** `SHA256:` and 43 unpadded base64 characters, as ssh-keygen -l and ssh print it. */
export const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * The fingerprint of an SSH public key blob: `SHA256:` and the unpadded base64 of its digest.
 *
 * @example fingerprint(Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAI…', 'base64')) // 'SHA256:+aC+uA657ho4…'
 */
export function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/**
 * The fingerprint of a public key blob given in base64, as a known_hosts line holds it.
 *
 * @example keyFingerprint('AAAAC3NzaC1lZDI1NTE5AAAAI…') // 'SHA256:+aC+uA657ho4…'
 */
export function keyFingerprint(base64Blob: string): string {
  return fingerprint(Buffer.from(base64Blob, 'base64'));
}
