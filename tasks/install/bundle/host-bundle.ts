// The bundle `install` deploys: one tar per host CPU, made on the operator's machine from the
// SDK's built JavaScript, the registry tarballs of the host lock and the Node runtime for that CPU.
// Nothing in it is built for the operator: the host lays the packages out and builds the native
// addons itself (install-script.ts). Written with node-tar in portable form (no owners, no
// operator uid), so the operator needs no tar of its own and root on the host owns what it unpacks.
//
// Bundle format 1 (a plain tar; its members):
// | member             | what                                                                    |
// | ------------------ | ----------------------------------------------------------------------- |
// | package.json       | this package's manifest (`type: module`, version)                       |
// | dist/sdk, dist/native | the SDK's built JavaScript                                           |
// | host-lock.json     | the host lock it was made from (host-lock.ts)                            |
// | runtime.tgz        | `node-linux-<cpu>` from the registry: bin/node and include/node          |
// | packages/<n>.tgz   | one registry tarball per locked package that fits the host               |
// | layout.tsv         | `packages/<n>.tgz <TAB> node_modules/<path> <TAB> 1 if built on the host` |
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rename, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { create as createTar } from 'tar';
import { packageVersion } from '../../../sdk/version.js';
import { fitsHost, HOST_LOCK_URL, readHostLock } from './host-lock.js';
import { nodeRuntime, type HostArch } from './node-runtime.js';
import { cacheDir, cachedPackages } from './package-cache.js';

const BUNDLE_FORMAT = 1;
/** Bundles kept per CPU in the cache: the current one and the one before (a rollback re-deploys fast). */
const KEPT_BUNDLES = 2;

export interface HostBundle {
  /** `<version>-<cpu>-<content hash>`: the same key means the same release on the host. */
  readonly key: string;
  readonly version: string;
  readonly arch: HostArch;
  readonly path: string;
  readonly sha256: string;
}

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const SDK_DIRS = ['dist/sdk', 'dist/native'];

const keys = new Map<HostArch, string>();

/**
 * The key of the bundle for `arch`, from what goes into it: the SDK's files, the host lock and the
 * runtime pin. Reads a few hundred small files and fetches nothing, so a run that finds the host
 * up to date costs only its remote checks.
 */
export function bundleKey(arch: HostArch): string {
  let key = keys.get(arch);
  if (!key) {
    const runtime = nodeRuntime(arch);
    const hash = createHash('sha256').update(`${BUNDLE_FORMAT} ${arch} ${runtime.version} ${runtime.integrity}\n`);
    hash.update(readFileSync(HOST_LOCK_URL)).update(readFileSync(join(ROOT, 'package.json')));
    for (const dir of SDK_DIRS) {
      const files = readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
        .sort();
      for (const file of files) hash.update(`${file.slice(ROOT.length)}\n`).update(readFileSync(file));
    }
    key = `${packageVersion()}-${arch}-${hash.digest('hex').slice(0, 16)}`;
    keys.set(arch, key);
  }
  return key;
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const piece of createReadStream(path)) hash.update(piece as Buffer);
  return hash.digest('hex');
}

async function assemble(arch: HostArch, path: string): Promise<void> {
  const lock = readHostLock();
  const packages = lock.packages.filter((pkg) => fitsHost(pkg, arch));
  const [runtime, ...tarballs] = await cachedPackages([nodeRuntime(arch), ...packages]);
  const staging = await mkdtemp(`${path}.staging-`);
  const partial = `${path}.${process.pid}.partial`;
  try {
    await mkdir(join(staging, 'dist'));
    await mkdir(join(staging, 'packages'));
    for (const dir of SDK_DIRS) await symlink(join(ROOT, dir), join(staging, dir));
    await copyFile(join(ROOT, 'package.json'), join(staging, 'package.json'));
    await copyFile(HOST_LOCK_URL, join(staging, 'host-lock.json'));
    await symlink(runtime!, join(staging, 'runtime.tgz'));
    const layout = await Promise.all(
      packages.map(async (pkg, index) => {
        const member = `packages/${String(index).padStart(4, '0')}.tgz`;
        await symlink(tarballs[index]!, join(staging, member));
        return `${member}\t${pkg.path}\t${pkg.build ? 1 : 0}\n`;
      }),
    );
    await writeFile(join(staging, 'layout.tsv'), layout.join(''));
    await createTar({ file: partial, cwd: staging, portable: true, follow: true }, ['package.json', 'host-lock.json', 'layout.tsv', 'runtime.tgz', 'packages', 'dist']);
    await rename(partial, path);
  } finally {
    await rm(staging, { recursive: true, force: true });
    await rm(partial, { force: true });
  }
}

/** Keeps the newest bundles of `arch` (60 MB each) besides the one just made; older ones go. */
async function pruneBundles(dir: string, arch: HostArch, keep: string): Promise<void> {
  const others = (await readdir(dir)).filter((name) => name.endsWith('.tar') && name.includes(`-${arch}-`) && join(dir, name) !== keep);
  const dated = await Promise.all(others.map(async (name) => ({ path: join(dir, name), mtimeMs: (await stat(join(dir, name))).mtimeMs })));
  for (const old of dated.sort((a, b) => b.mtimeMs - a.mtimeMs).slice(KEPT_BUNDLES - 1)) await rm(old.path, { force: true });
}

const bundles = new Map<HostArch, Promise<HostBundle>>();

/** The bundle for hosts of `arch`, made once per content and kept in ~/.cache/cloudlet-tasks/bundles. */
export function hostBundle(arch: HostArch): Promise<HostBundle> {
  let pending = bundles.get(arch);
  if (!pending) {
    pending = (async () => {
      const key = bundleKey(arch);
      const path = join(await cacheDir('bundles'), `${key}.tar`);
      if (!existsSync(path)) {
        await assemble(arch, path);
        await pruneBundles(dirname(path), arch, path);
      }
      return { key, version: packageVersion(), arch, path, sha256: await sha256Of(path) };
    })();
    // A failed attempt (registry down) is not remembered: the next host tries again.
    pending.catch(() => bundles.delete(arch));
    bundles.set(arch, pending);
  }
  return pending;
}
