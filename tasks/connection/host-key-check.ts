// Host key verification against known_hosts. Unlike Fabric (which accepts every key),
// an unknown key is refused unless the operator asked to accept and record new keys,
// and a changed or revoked key is always refused.
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { HostKeyChangedError, HostKeyUnknownError } from '../errors.js';
import { fingerprint, hostPattern, keyTypeOf, loadKnownKeys, recordKnownKey, type KnownKey } from './known-hosts.js';

/** Where connectSsh looks up host keys, and whether it records new ones. */
export interface HostKeyPolicy {
  /** Files searched for known keys, in order. */
  readonly knownHostsFiles: readonly string[];
  /** Where newly accepted keys are written. */
  readonly recordFile: string;
  /** Record keys of hosts that have no entry yet (never replaces a known key). */
  readonly acceptNew: boolean;
}

export interface HostKeyCheck {
  /** Host key algorithms to ask for, known types first, so a known host is not mistaken for a new one. */
  readonly algorithms: ServerHostKeyAlgorithm[] | undefined;
  /** Resolves when the key is acceptable, rejects with a typed error otherwise. */
  verify(key: Buffer): Promise<void>;
}

const ALGORITHMS_FOR_TYPE: Record<string, ServerHostKeyAlgorithm[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};
const DEFAULT_ALGORITHMS: readonly ServerHostKeyAlgorithm[] = [
  'ssh-ed25519',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'rsa-sha2-512',
  'rsa-sha2-256',
  'ssh-rsa',
];

/** Key types ssh2 can verify; a known_hosts entry of another type (sk-*, certificates) cannot be asked for. */
const SSH2_HOST_KEY_TYPES = new Set<string>([...DEFAULT_ALGORITHMS, 'ssh-dss']);

function isHostKeyAlgorithm(name: string): name is ServerHostKeyAlgorithm {
  return SSH2_HOST_KEY_TYPES.has(name);
}

function preferredAlgorithms(known: readonly KnownKey[]): ServerHostKeyAlgorithm[] | undefined {
  const usable = known.filter((entry) => !entry.revoked);
  if (usable.length === 0) return undefined;
  const first = usable.flatMap((entry) => ALGORITHMS_FOR_TYPE[entry.keyType] ?? [entry.keyType].filter(isHostKeyAlgorithm));
  return [...new Set([...first, ...DEFAULT_ALGORITHMS])];
}

/** Loads what is known about `address:port` and returns the check to run during the handshake. */
export async function prepareHostKeyCheck(
  host: string,
  address: string,
  port: number,
  policy: HostKeyPolicy,
): Promise<HostKeyCheck> {
  const name = hostPattern(address, port);
  const known = await loadKnownKeys(policy.knownHostsFiles, name);
  return {
    algorithms: preferredAlgorithms(known),
    async verify(key: Buffer): Promise<void> {
      const keyType = keyTypeOf(key);
      const print = fingerprint(key);
      const same = known.filter((entry) => entry.key.equals(key));
      const revoked = same.find((entry) => entry.revoked);
      if (revoked) throw new HostKeyChangedError(host, address, port, keyType, print, `revoked key at ${revoked.source}`);
      if (same.length > 0) return;
      const valid = known.filter((entry) => !entry.revoked);
      if (valid.length > 0) {
        const where = valid.map((entry) => `${entry.keyType} ${fingerprint(entry.key)} at ${entry.source}`).join('; ');
        throw new HostKeyChangedError(host, address, port, keyType, print, where);
      }
      if (!policy.acceptNew) throw new HostKeyUnknownError(host, address, port, keyType, print, policy.recordFile);
      await recordKnownKey(policy.recordFile, name, key);
    },
  };
}
