// Build step (`npm run build`): writes dist/tasks/install/bundle/host-lock.json from package-lock.json.
// Roots are every package the built SDK (dist/sdk, dist/native) imports, the native addons it
// loads lazily (our optional peer dependencies) and node-gyp, which builds them on the host.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HOST_LOCK_URL, hostLockFrom } from './host-lock.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// Static imports and exports (one per line in tsc's output) and dynamic import() of a literal.
const SPECIFIER = /^(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm;
const PACKAGE = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*(?:\/|$)/i;

/** Package names imported by the JavaScript files under `dir`. */
function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.js')) continue;
    for (const [, from, bare, dynamic] of readFileSync(join(entry.parentPath, entry.name), 'utf8').matchAll(SPECIFIER)) {
      const specifier = (from ?? bare ?? dynamic)!;
      if (specifier.startsWith('node:') || builtinModules.includes(specifier) || !PACKAGE.test(specifier)) continue;
      names.add(specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/'));
    }
  }
  return names;
}

function main(): void {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { peerDependencies?: Record<string, string> };
  const { packages } = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Parameters<typeof hostLockFrom>[0] };
  const peers = Object.keys(manifest.peerDependencies ?? {});
  const imported = [...importedPackages(join(ROOT, 'dist/sdk')), ...importedPackages(join(ROOT, 'dist/native'))];
  const roots = [...new Set([...imported, ...peers, 'node-gyp'])].sort();
  const lock = hostLockFrom(packages, roots, peers);
  writeFileSync(HOST_LOCK_URL, `${JSON.stringify(lock, null, 1)}\n`);
}

main();
