/**
 * A pinned host key fingerprint turned into a known_hosts file that ssh can check strictly. The
 * server's public keys are fetched with ssh-keyscan and only those whose SHA-256 fingerprint is
 * the pinned one are written; ssh then makes the server prove it holds that key. Fetching a key
 * this way trusts nothing: a server offering other keys gets no line and is refused.
 */
import { writePrivateFile } from '../files/index.js';
import { execa } from 'execa';
import { missingTool } from '../../native/host-tool.js';
import type { SshTarget } from './ssh-command.js';
import { keyFingerprint } from './ssh-fingerprint.js';

/** What the server offered: the known_hosts lines and their fingerprints. */
export interface ScannedKeys {
  lines: string[];
  fingerprints: string[];
  /** ssh-keyscan's stderr, for when it found nothing. */
  stderr: string;
}

/**
 * The key types asked for. ssh-keyscan's default adds the security-key types, which no host key
 * uses; dropbear leaves those connections hanging until the timeout, and then ssh-keyscan prints
 * no key at all.
 */
const KEY_TYPES = 'rsa,ecdsa,ed25519';

/** Asks the server at `target` for its host keys, waiting up to `timeoutS` for it; none when it does not answer (yet). */
export async function scanHostKeys(target: SshTarget, timeoutS: number, signal?: AbortSignal): Promise<ScannedKeys> {
  const result = await execa('ssh-keyscan', ['-T', String(timeoutS), '-t', KEY_TYPES, '-p', String(target.port), target.host], { stdin: 'ignore', reject: false, timeout: 30_000, ...(signal ? { cancelSignal: signal } : {}) });
  signal?.throwIfAborted();
  const missing = missingTool(result, 'ssh-keyscan');
  if (missing) throw missing;
  const lines = result.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const keys = lines.map((line) => line.split(/\s+/)).filter((fields) => fields.length >= 3);
  return { lines: keys.map((fields) => fields.slice(0, 3).join(' ')), fingerprints: keys.map((fields) => keyFingerprint(fields[2]!)), stderr: String(result.stderr) };
}

/**
 * Writes to `file` the scanned keys whose fingerprint is `fingerprint`; returns how many matched
 * (0: the server is not the one pinned).
 */
export async function writePinnedKnownHosts(scanned: ScannedKeys, fingerprint: string, file: string): Promise<number> {
  const matching = scanned.lines.filter((_, index) => scanned.fingerprints[index] === fingerprint);
  await writePrivateFile(file, matching.map((line) => `${line}\n`).join(''));
  return matching.length;
}
