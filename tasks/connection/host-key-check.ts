// Host key verification against known_hosts. Unlike Fabric (which accepts every key),
// an unknown key is refused unless the operator asked to accept and record new keys,
// and a changed or revoked key is always refused. ssh2 cannot negotiate host certificates,
// so a host that known_hosts trusts through a @cert-authority line only is refused with
// that reason, never taken as new.
import type { ServerHostKeyAlgorithm } from 'ssh2';
import { HostCertificateUnsupportedError, HostKeyChangedError, HostKeyRevokedError, HostKeyUnknownError } from '../errors.js';
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
  const usable = known.filter((entry) => entry.kind === 'key');
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
      const revoked = same.find((entry) => entry.kind === 'revoked');
      if (revoked) throw new HostKeyRevokedError(host, address, port, keyType, print, revoked.source);
      if (same.some((entry) => entry.kind === 'key')) return;
      const describe = (entries: readonly KnownKey[]): string => entries.map((entry) => `${entry.keyType} ${fingerprint(entry.key)} at ${entry.source}`).join('; ');
      const valid = known.filter((entry) => entry.kind === 'key');
      if (valid.length > 0) throw new HostKeyChangedError(host, address, port, keyType, print, describe(valid));
      const authorities = known.filter((entry) => entry.kind === 'cert-authority');
      if (authorities.length > 0) throw new HostCertificateUnsupportedError(host, address, port, keyType, print, describe(authorities));
      if (!policy.acceptNew) throw new HostKeyUnknownError(host, address, port, keyType, print, policy.recordFile);
      await recordKnownKey(policy.recordFile, name, key);
    },
  };
}
