// The host lock: the exact npm packages a cloudlet host needs to run the SDK, taken at build time
// from this repository's package-lock.json, so that hosts get the tree the suite ran with, fetched
// from the registry and checked against the lock's integrity, wherever the operator installed us
// (the operator's own node_modules may be hoisted, deduplicated or lack the native addons).
//
// Format 1 (JSON, dist/tasks/install/bundle/host-lock.json):
// | field                  | type      | meaning                                                        |
// | ---------------------- | --------- | -------------------------------------------------------------- |
// | format                 | 1         | bumped on any incompatible change                              |
// | roots                  | string[]  | packages the SDK imports, the native peers, and node-gyp       |
// | load                   | string[]  | native addons the deploy loads once, to prove they run         |
// | packages[].path        | string    | where npm put it: `node_modules/a[/node_modules/b]`            |
// | packages[].name        | string    | package name (may be scoped)                                   |
// | packages[].version     | string    | exact version                                                  |
// | packages[].integrity   | string    | SRI hash of the registry tarball (`sha512-…`)                  |
// | packages[].build       | true?     | has an install script: built on the host if it has no prebuild |
// | packages[].os/cpu/libc | string[]? | npm's platform filters (e.g. esbuild's per-platform binaries)  |
import { readFileSync } from 'node:fs';
import { HostLockError } from './errors.js';
import type { HostArch } from './node-runtime.js';

const HOST_LOCK_FORMAT = 1;

export interface LockedPackage {
  readonly path: string;
  readonly name: string;
  readonly version: string;
  readonly integrity: string;
  readonly build?: true;
  readonly os?: readonly string[];
  readonly cpu?: readonly string[];
  readonly libc?: readonly string[];
}

export interface HostLock {
  readonly format: typeof HOST_LOCK_FORMAT;
  readonly roots: readonly string[];
  readonly load: readonly string[];
  readonly packages: readonly LockedPackage[];
}

/** One entry of package-lock.json v2/v3 `packages`. */
interface NpmLockEntry {
  readonly name?: string;
  readonly version?: string;
  readonly integrity?: string;
  readonly link?: boolean;
  readonly hasInstallScript?: boolean;
  readonly optional?: boolean;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly os?: string[];
  readonly cpu?: string[];
  readonly libc?: string[];
}

/** Node's lookup over lock paths: `<from>/node_modules/<name>`, then each ancestor's. */
function resolve(packages: Record<string, NpmLockEntry>, from: string, name: string): string | undefined {
  for (let base = from; ; ) {
    const candidate = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
    base = base.slice(0, base.lastIndexOf('node_modules/')).replace(/\/$/, '');
  }
}

/** The closure of `roots` in a package-lock's `packages`, as npm laid it out. */
export function hostLockFrom(packages: Record<string, NpmLockEntry>, roots: readonly string[], load: readonly string[]): HostLock {
  const seen = new Map<string, LockedPackage>();
  const visit = (from: string, name: string, optional: boolean): void => {
    const path = resolve(packages, from, name);
    if (!path) {
      if (optional) return;
      throw new HostLockError(`package-lock.json has no '${name}' reachable from '${from || 'the root'}': run npm install`);
    }
    if (seen.has(path)) return;
    const entry = packages[path]!;
    if (entry.link || !entry.version || !entry.integrity) throw new HostLockError(`${path} in package-lock.json is not a registry package (linked or without integrity)`);
    seen.set(path, {
      path,
      name: entry.name ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length),
      version: entry.version,
      integrity: entry.integrity,
      ...(entry.hasInstallScript ? { build: true as const } : {}),
      ...(entry.os ? { os: entry.os } : {}),
      ...(entry.cpu ? { cpu: entry.cpu } : {}),
      ...(entry.libc ? { libc: entry.libc } : {}),
    });
    for (const dep of Object.keys(entry.dependencies ?? {})) visit(path, dep, false);
    // Optional and peer dependencies are there when npm could install them (e.g. one per platform).
    for (const dep of Object.keys({ ...entry.optionalDependencies, ...entry.peerDependencies })) visit(path, dep, true);
  };
  for (const root of roots) visit('', root, false);
  return { format: HOST_LOCK_FORMAT, roots: [...roots], load: [...load], packages: [...seen.values()].sort((a, b) => a.path.localeCompare(b.path)) };
}

/** Does npm's os/cpu/libc filter let this package onto a glibc Linux host of `arch`? */
export function fitsHost(pkg: LockedPackage, arch: HostArch): boolean {
  const allows = (list: readonly string[] | undefined, value: string): boolean =>
    !list || (list.some((item) => item === value) || (list.every((item) => item.startsWith('!')) && !list.includes(`!${value}`)));
  return allows(pkg.os, 'linux') && allows(pkg.cpu, arch) && allows(pkg.libc, 'glibc');
}

export const HOST_LOCK_URL = new URL('./host-lock.json', import.meta.url);

export function readHostLock(url: URL = HOST_LOCK_URL): HostLock {
  const lock = JSON.parse(readFileSync(url, 'utf8')) as HostLock;
  if (lock.format !== HOST_LOCK_FORMAT) throw new HostLockError(`${url.pathname} has format ${String(lock.format)}, this version reads ${HOST_LOCK_FORMAT}`);
  return lock;
}
