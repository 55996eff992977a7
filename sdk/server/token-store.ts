/**
 * The synthesis server's API tokens, in server/tokens.json (0600, in a 0700 directory) under the
 * cloudlet directory. A token is 32 random bytes, base64url, behind the prefix `clt_` (so a leaked
 * one is recognizable in a scan); only its SHA-256 is stored. A plain hash suffices where a
 * password would need a slow one: 256 random bits cannot be guessed from their hash. Changes are
 * made under the registry's flock and written atomically (json-record.ts), so two `token` commands
 * cannot lose each other's change; the server re-reads the file whenever it changed on disk, so a
 * revocation holds from the next request on, without a restart.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { cloudletDirLayout, readJsonRecord, withRegistryLock, writeJsonRecord, type CloudletDirOptions } from '../base/index.js';
import { TokenExistsError, TokenFileError, TokenNameError, TokenNotFoundError } from './errors.js';

const PREFIX = 'clt_';
const TOKEN_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** What a presented token may look like (base64url, as made here, or any other that fits a header line); clients check a token file against it. */
export const TOKEN_SHAPE = /^[A-Za-z0-9_-]{1,200}$/;

/** A token as listed: never the token itself, which nobody can see again after `create`. */
export interface TokenEntry {
  name: string;
  createdAt: string;
}

interface StoredToken extends TokenEntry {
  /** Hex SHA-256 of the token. */
  sha256: string;
}

interface TokenFile {
  format: 'cloudlet-tokens';
  version: 1;
  tokens: StoredToken[];
}

/** The directory of the server's own files (tokens, TLS identity) under the cloudlet directory: 0700. */
export async function serverDir(options: CloudletDirOptions = {}): Promise<string> {
  const dir = join(cloudletDirLayout(options).root, 'server');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/** The server's tokens: create (shown once), list, revoke, and verify a presented one. */
export class TokenStore {
  private cache: { key: string; tokens: StoredToken[] } | undefined;

  private constructor(readonly file: string, private readonly lockFile: string) {}

  /** @example const store = await TokenStore.open({ cloudletDir: '/var/lib/cloudlet' }); */
  static async open(options: CloudletDirOptions = {}): Promise<TokenStore> {
    return new TokenStore(join(await serverDir(options), 'tokens.json'), cloudletDirLayout(options).lock);
  }

  /** Makes a token named `name` and returns it: the only time it is ever shown. */
  async create(name: string): Promise<string> {
    if (!TOKEN_NAME.test(name)) throw new TokenNameError(name);
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    await this.change((tokens) => {
      if (tokens.some((entry) => entry.name === name)) throw new TokenExistsError(name);
      return [...tokens, { name, createdAt: new Date().toISOString(), sha256: digest(token) }];
    });
    return token;
  }

  /** Removes token `name`; the running server refuses it from its next request on. */
  async revoke(name: string): Promise<void> {
    await this.change((tokens) => {
      if (!tokens.some((entry) => entry.name === name)) throw new TokenNotFoundError(name, this.file);
      return tokens.filter((entry) => entry.name !== name);
    });
  }

  /** The tokens' names and dates, never the tokens. */
  async list(): Promise<TokenEntry[]> {
    return (await this.read()).map(({ name, createdAt }) => ({ name, createdAt }));
  }

  /** The name of the token `presented` is, or undefined. Every stored hash is compared, each in constant time. */
  async verify(presented: string): Promise<string | undefined> {
    const wanted = Buffer.from(digest(presented), 'hex');
    let match: string | undefined;
    for (const entry of await this.read()) {
      if (timingSafeEqual(wanted, Buffer.from(entry.sha256, 'hex'))) match = entry.name;
    }
    return match;
  }

  /** The tokens on disk, read again only when the file changed (a rename gives it a new inode). */
  private async read(): Promise<StoredToken[]> {
    const stats = await stat(this.file).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (!stats) return [];
    const key = `${stats.ino}:${stats.mtimeMs}:${stats.size}`;
    if (this.cache?.key !== key) this.cache = { key, tokens: parse(await readJsonRecord(this.file, (field, problem) => new TokenFileError(this.file, `${field} ${problem}`)), this.file) };
    return this.cache.tokens;
  }

  private async change(edit: (tokens: StoredToken[]) => StoredToken[]): Promise<void> {
    await withRegistryLock(this.lockFile, async () => {
      const tokens = edit(await this.read());
      // A crash between writing and renaming leaves the temp file; we hold the lock, so it is nobody's.
      await rm(`${this.file}.partial`, { force: true });
      const record: TokenFile = { format: 'cloudlet-tokens', version: 1, tokens };
      await writeJsonRecord(join(this.file, '..'), this.file, record);
    });
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function parse(value: unknown, file: string): StoredToken[] {
  const record = value as Partial<TokenFile>;
  if (record.format !== 'cloudlet-tokens' || record.version !== 1 || !Array.isArray(record.tokens)) throw new TokenFileError(file, 'is not a version 1 token file');
  for (const entry of record.tokens) {
    if (typeof entry?.name !== 'string' || typeof entry.createdAt !== 'string' || !/^[0-9a-f]{64}$/.test(String(entry.sha256))) throw new TokenFileError(file, 'has an entry without a name, a date or a SHA-256');
  }
  return record.tokens;
}
