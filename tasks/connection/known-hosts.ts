// Reads and appends OpenSSH known_hosts files, the way `ssh` matches them: the host name
// lowercased first, plain and hashed (|1|salt|hmac) names, `[host]:port` for other ports,
// wildcards, `!negation`, and the @revoked and @cert-authority markers. A line with any other
// marker is skipped, as ssh skips it: it is no plain entry.
import { createHmac } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A host key (`key`), a key never to accept (`@revoked`), or a CA that signs host certificates (`@cert-authority`). */
export type KnownKeyKind = 'key' | 'revoked' | 'cert-authority';

export interface KnownKey {
  readonly keyType: string;
  readonly key: Buffer;
  readonly kind: KnownKeyKind;
  /** `file:line`, for messages. */
  readonly source: string;
}

/** The name a host is matched and recorded under, lowercased as ssh does: `host` on port 22, `[host]:port` otherwise. */
export function hostPattern(address: string, port: number): string {
  const host = address.toLowerCase();
  return port === 22 ? host : `[${host}]:${port}`;
}

const MARKERS: Readonly<Record<string, KnownKeyKind>> = { '@revoked': 'revoked', '@cert-authority': 'cert-authority' };

/** OpenSSH's fingerprint; the SDK owns it, so a pinned key and a known_hosts key print alike. */
export { fingerprint } from '../../sdk/customize/ssh-fingerprint.js';

/** The key type named inside an SSH public key blob (its first length-prefixed string). */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const length = key.readUInt32BE(0);
  if (length > 64 || 4 + length > key.length) return 'unknown';
  return key.subarray(4, 4 + length).toString('latin1');
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || !salt || !hash) return false;
  const digest = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
  return digest === hash;
}

function hostsFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pattern of field.split(',')) {
    if (pattern.startsWith('!')) {
      if (globToRegExp(pattern.slice(1)).test(name)) return false;
    } else if (globToRegExp(pattern).test(name)) {
      matched = true;
    }
  }
  return matched;
}

/** Parses known_hosts text and returns the keys recorded for `name` (a hostPattern). */
export function findKnownKeys(text: string, file: string, name: string): KnownKey[] {
  const keys: KnownKey[] = [];
  text.split('\n').forEach((rawLine, index) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const kind = fields[0]?.startsWith('@') ? MARKERS[fields.shift()!] : 'key';
    if (kind === undefined) return;
    const [hosts, keyType, keyBase64] = fields;
    if (!hosts || !keyType || !keyBase64) return;
    if (!hostsFieldMatches(hosts, name)) return;
    keys.push({ keyType, key: Buffer.from(keyBase64, 'base64'), kind, source: `${file}:${index + 1}` });
  });
  return keys;
}

/** Reads every file (missing files count as empty) and collects the keys for `name`. */
export async function loadKnownKeys(files: readonly string[], name: string): Promise<KnownKey[]> {
  const all: KnownKey[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw error;
    }
    all.push(...findKnownKeys(text, file, name));
  }
  return all;
}

// Appends are chained so parallel hosts never interleave partial lines in one file.
let appendQueue: Promise<void> = Promise.resolve();

/** Records a host key the way ssh does, creating the file (mode 0600) if needed. */
export function recordKnownKey(file: string, name: string, key: Buffer): Promise<void> {
  const line = `${name} ${keyTypeOf(key)} ${key.toString('base64')}\n`;
  const written = appendQueue.then(async () => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    await appendFile(file, line, { mode: 0o600 });
  });
  appendQueue = written.catch(() => undefined);
  return written;
}
