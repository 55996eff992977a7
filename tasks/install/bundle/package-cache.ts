// Registry tarballs for the hosts, fetched once by the operator's own npm (so its registry, mirror,
// proxy and credentials from .npmrc apply) and kept in a private cache, each checked against the
// integrity pinned at build time before it is cached or used.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { PackageFetchError, PackageIntegrityError } from './errors.js';

export interface PackageRef {
  readonly name: string;
  readonly version: string;
  /** SRI (`sha512-…`, or `sha1-…` for old packages). */
  readonly integrity: string;
}

/** ~/.cache/cloudlet-tasks (or $XDG_CACHE_HOME/cloudlet-tasks), 0700: only the operator reads it. */
export async function cacheDir(sub: string): Promise<string> {
  const root = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cloudlet-tasks');
  await mkdir(root, { recursive: true, mode: 0o700 });
  await chmod(root, 0o700);
  const dir = join(root, sub);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return dir;
}

function specOf(ref: PackageRef): string {
  return `${ref.name}@${ref.version}`;
}

function cachedName(ref: PackageRef): string {
  return `${ref.name.replace('/', '+')}-${ref.version}.tgz`;
}

/** The SRI string of a file, in the algorithm `expected` uses. */
async function fileIntegrity(path: string, expected: string): Promise<string> {
  const algorithm = expected.slice(0, expected.indexOf('-'));
  const hash = createHash(algorithm);
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return `${algorithm}-${hash.digest('base64')}`;
}

/** npm as the operator runs it: the npm that started us (npx, npm exec) or the one on PATH. */
function npmCommand(): [string, string[]] {
  const execPath = process.env['npm_execpath'];
  return execPath && /npm-cli\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['npm', []];
}

async function npmPack(specs: readonly string[], destination: string): Promise<void> {
  const [command, prefix] = npmCommand();
  const args = [...prefix, 'pack', ...specs, '--pack-destination', destination, '--ignore-scripts', '--silent'];
  await new Promise<void>((resolve, reject) => {
    execFile(command, args, { cwd: destination, maxBuffer: 16 << 20 }, (error, _stdout, stderr) => {
      if (!error) return resolve();
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'ENOENT' ? 'npm is not installed here' : (stderr.trim().split('\n').filter((line) => /ERR|error/i.test(line)).slice(-3).join(' ') || error.message);
      reject(new PackageFetchError(specs, reason));
    });
  });
}

/**
 * The cached tarball of every ref (fetching the missing ones in one `npm pack`), in `refs` order.
 * A fetched tarball whose integrity differs is refused and not cached.
 */
export async function cachedPackages(refs: readonly PackageRef[]): Promise<string[]> {
  const dir = await cacheDir('packages');
  // npm nests the same name@version in several places; fetch each once.
  const missing = [...new Map(refs.map((ref) => [specOf(ref), ref])).values()].filter((ref) => !existsSync(join(dir, cachedName(ref))));
  if (missing.length > 0) {
    const scratch = await mkdtemp(join(dir, '.fetch-'));
    try {
      await npmPack(missing.map(specOf), scratch);
      const fetched = await readdir(scratch);
      for (const ref of missing) {
        // npm names tarballs `<scope>-<name>-<version>.tgz`.
        const file = fetched.find((name) => name === `${ref.name.replace(/^@/, '').replace('/', '-')}-${ref.version}.tgz`);
        if (!file) throw new PackageFetchError([specOf(ref)], `npm pack wrote no tarball for it (got ${fetched.map((name) => basename(name)).join(', ') || 'nothing'})`);
        const actual = await fileIntegrity(join(scratch, file), ref.integrity);
        if (actual !== ref.integrity) throw new PackageIntegrityError(specOf(ref), ref.integrity, actual);
        await rename(join(scratch, file), join(dir, cachedName(ref)));
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
  return refs.map((ref) => join(dir, cachedName(ref)));
}
