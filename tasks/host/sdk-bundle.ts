// The SDK as deployed to hosts: this package's built SDK, its production dependencies and
// the Node.js runtime running us, in one tar.gz. Shipping the runtime means hosts need no
// Node.js of their own (Debian 12 and Ubuntu 24.04 ship Node 18; the SDK needs 20+) and
// native addons match the runtime they were built for. Built once per content, cached.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { packageVersion } from '../../sdk/version.js';

export interface SdkBundle {
  /** Content key: version, runtime and every file's size and time. */
  readonly key: string;
  readonly version: string;
  readonly path: string;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SDK_DIRS = ['dist/sdk', 'dist/native'];

/** Node's lookup: `<ancestor>/node_modules/<name>` for each ancestor of the requiring package. */
function packageDir(name: string, from: string): string | undefined {
  for (let dir = from; ; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
    }
    if (dir === ROOT || dirname(dir) === dir) return undefined;
  }
}

/** Top-level node_modules entries needed at run time (nested ones come inside their parents). */
export function productionModules(): string[] {
  const seen = new Set<string>();
  const visit = (dir: string): void => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const name of Object.keys({ ...manifest['dependencies'], ...manifest['optionalDependencies'] })) {
      const found = packageDir(name, dir);
      if (!found || seen.has(found)) continue;
      seen.add(found);
      visit(found);
    }
  };
  visit(ROOT);
  return [...seen].filter((dir) => dirname(dir) === join(ROOT, 'node_modules') || dirname(dirname(dir)) === join(ROOT, 'node_modules')).map((dir) => dir.slice(ROOT.length)).sort();
}

async function fingerprint(paths: readonly string[]): Promise<string> {
  const hash = createHash('sha256').update(`${packageVersion()} ${process.version} ${statSync(process.execPath).size}`);
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) await walk(join(path, entry));
    } else {
      hash.update(`${path.slice(ROOT.length)} ${info.size} ${info.mtimeMs}\n`);
    }
  };
  for (const path of paths) await walk(join(ROOT, path));
  return hash.digest('hex').slice(0, 16);
}

let pending: Promise<SdkBundle> | undefined;

/** Builds (or finds in ~/.cache) the bundle for the code running now. */
export function sdkBundle(): Promise<SdkBundle> {
  pending ??= (async () => {
    const members = ['package.json', ...SDK_DIRS.filter((dir) => existsSync(join(ROOT, dir))), ...productionModules()];
    const key = `${packageVersion()}-${await fingerprint(members)}`;
    const cache = join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cloudlet-tasks', 'bundles');
    const path = join(cache, `${key}.tar.gz`);
    if (!existsSync(path)) {
      await mkdir(cache, { recursive: true });
      const partial = `${path}.${process.pid}.partial`;
      const runtime = process.execPath;
      await promisify(execFile)('tar', ['-czf', partial, '-C', ROOT, ...members, '-C', dirname(runtime), '--transform', `s,^${basename(runtime)}$,runtime/node,`, basename(runtime)]);
      await rename(partial, path).catch(async (error: unknown) => {
        await rm(partial, { force: true });
        throw error;
      });
    }
    return { key, version: packageVersion(), path };
  })();
  return pending;
}
