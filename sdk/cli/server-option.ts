/**
 * `--server https://HOST:8021 --token-file F [--pin SHA256:…]`: the cloudlet whose synthesis server
 * `cloudlet synthesis`, `list`, `destroy` and `list-base` ask instead of this host. The token is read from a file (never a command-line
 * argument, which `ps` shows every user).
 */
import { readFile } from 'node:fs/promises';
import { FINGERPRINT } from '../customize/ssh-fingerprint.js';
import type { RemoteServerOptions } from '../server/index.js';
import { TOKEN_SHAPE } from '../server/token-store.js';
import { UsageError, type OptionSpecs } from './command.js';

export const SERVER_OPTIONS = {
  server: { type: 'string', placeholder: 'https://HOST:8021' },
  'token-file': { type: 'string', placeholder: 'FILE' },
  pin: { type: 'string', placeholder: 'SHA256:…' },
} as const satisfies OptionSpecs;

/** The client's options, or undefined without --server; UsageError for a half-given or malformed set. */
export async function serverOption(values: { server?: string | undefined; 'token-file'?: string | undefined; pin?: string | undefined }, signal: AbortSignal): Promise<RemoteServerOptions | undefined> {
  if (values.server === undefined) {
    if (values['token-file'] !== undefined || values.pin !== undefined) throw new UsageError('--token-file and --pin go with --server');
    return undefined;
  }
  if (!/^https:\/\/[^/?#]+\/?$/.test(values.server)) throw new UsageError(`--server ${values.server}: expected https://HOST[:PORT] (the server speaks HTTPS only)`);
  if (values['token-file'] === undefined) throw new UsageError('--server needs --token-file FILE, the file holding the token `cloudlet token create` printed');
  if (values.pin !== undefined && !FINGERPRINT.test(values.pin)) throw new UsageError(`--pin ${values.pin}: expected SHA256: and 43 base64 characters, as \`cloudlet serve\` prints the certificate's fingerprint`);
  const token = (await readFile(values['token-file'], 'utf8').catch((error: Error) => {
    throw new UsageError(`--token-file ${values['token-file']}: ${error.message}`);
  })).trim();
  if (!TOKEN_SHAPE.test(token)) throw new UsageError(`--token-file ${values['token-file']} holds no token (one line, as \`cloudlet token create\` printed it)`);
  return { server: values.server, token, ...(values.pin !== undefined ? { pin: values.pin } : {}), signal };
}

/** Refuses the options that name something on this host (`--cloudlet-dir`, `--connect`, and `more`) next to --server. */
export function localOnly(values: { 'cloudlet-dir'?: string | undefined; connect?: string | undefined }, more: Readonly<Record<string, boolean>> = {}): void {
  const local = { ...more, connect: values.connect !== undefined, 'cloudlet-dir': values['cloudlet-dir'] !== undefined };
  const given = Object.entries(local).filter(([, set]) => set).map(([name]) => `--${name}`);
  if (given.length > 0) throw new UsageError(`${given.join(', ')} apply to this host, not with --server`);
}
