/**
 * Native addons (liblzma, libzstd, libvirt, libfuse) are loaded when first used, not when the SDK is
 * imported: they are optional peer dependencies, so the operator's machine, which only runs the
 * task runner, installs and compiles none of them. Cloudlet hosts get them built for the host by
 * `cloudlet-tasks install`; a program that runs the SDK elsewhere installs them itself.
 */
import { createRequire } from 'node:module';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';

const PEERS: Record<string, string> = { 'lzma-native': '8.0.6', 'zstd-napi': '0.0.13', '@unraid/libvirt': '2.2.1', 'fuse-native': '2.2.6' };

/** An addon the SDK needs here is not installed (or did not build for this machine). */
export class NativeAddonMissingError extends CloudletError {
  static override readonly code: string = 'native-addon-missing';
  constructor(readonly addon: string, options?: ErrorOptions) {
    super(
      `${addon} is not installed where the SDK runs: on a cloudlet host run \`cloudlet-tasks install\` (it builds ${addon} for the host); ` +
        `to run the SDK on this machine, \`npm install ${addon}@${PEERS[addon] ?? 'latest'}\` (needs a C++ compiler${addon === '@unraid/libvirt' ? ' and libvirt-dev' : ''})`,
      options,
    );
  }
}

const require = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

function missing(addon: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND' ? new NativeAddonMissingError(addon, { cause: error }) : error;
}

/** A CommonJS addon's module, loaded once; NativeAddonMissingError when it is absent. */
export function loadAddon<T>(addon: string): T {
  if (!loaded.has(addon)) {
    try {
      loaded.set(addon, require(addon));
    } catch (error) {
      throw missing(addon, error);
    }
  }
  return loaded.get(addon) as T;
}

/** The same for an addon published as an ES module (which `require` cannot load on Node 20). */
export async function importAddon<T>(addon: string): Promise<T> {
  if (!loaded.has(addon)) {
    try {
      loaded.set(addon, await import(addon));
    } catch (error) {
      throw missing(addon, error);
    }
  }
  return loaded.get(addon) as T;
}
