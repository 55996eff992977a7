/**
 * The "packages" the customized VM installs: the contents of real Debian packages (PACKAGES_SUMMARY,
 * with the libraries the base root filesystem lacks: about 73 MB installed), fetched on
 * the host with `apt-get download`, unpacked with `dpkg-deb -x` and packed into one tar the guest
 * extracts from a raw disk. Unpacking is what dpkg spends its I/O on; maintainer scripts are left out.
 */
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from '../steps.js';

export const PACKAGES_SUMMARY = 'the Python 3.11 and Perl 5.36 runtimes';

export const PACKAGES = [
  'python3', 'python3-minimal', 'python3.11', 'python3.11-minimal', 'libpython3-stdlib', 'libpython3.11-minimal',
  'libpython3.11-stdlib', 'media-types', 'libsqlite3-0', 'libreadline8', 'readline-common', 'libexpat1', 'netbase',
  'perl', 'perl-modules-5.36', 'libperl5.36', 'libgdbm6', 'libgdbm-compat4',
] as const;

/** Top-level directories that are symlinks into /usr on the merged-/usr root filesystem. */
const MERGED_USR = ['bin', 'sbin', 'lib', 'lib64'] as const;

export interface PackageTarball {
  /** The .deb files as downloaded, e.g. perl_5.36.0-7+deb12u2_amd64.deb. */
  debs: string[];
  /** Bytes of the unpacked files (what the install adds to the disk, before file system overhead). */
  installedBytes: number;
  tarBytes: number;
}

/**
 * Downloads and unpacks PACKAGES in the scratch directory `work` (removed afterwards) and writes
 * `tarPath`. Needs apt lists (`apt-get update`).
 *
 * @example
 * const tarball = await buildPackageTarball(join(dir, 'packages.tar'), join(dir, 'packages-work'));
 */
export async function buildPackageTarball(tarPath: string, work: string): Promise<PackageTarball> {
  const downloads = join(work, 'debs');
  const staging = join(work, 'staging');
  await mkdir(downloads, { recursive: true });
  await mkdir(staging, { recursive: true });
  try {
    await run('apt-get', ['download', ...PACKAGES], { cwd: downloads });
    const debs = (await readdir(downloads)).filter((name) => name.endsWith('.deb')).sort();
    for (const deb of debs) await run('dpkg-deb', ['-x', join(downloads, deb), staging]);
    await mergeUsr(staging);
    const installedBytes = Number((await run('du', ['-sb', '--apparent-size', staging])).split('\t')[0]);
    const top = (await readdir(staging)).sort();
    // GNU format and numeric owners: busybox tar in the guest reads both, and has no /etc/passwd to map names.
    await run('tar', ['--format=gnu', '--numeric-owner', '--sort=name', '-cf', tarPath, '-C', staging, ...top]);
    return { debs, installedBytes, tarBytes: (await stat(tarPath)).size };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Moves /bin, /lib, ... of the packages under /usr, as dpkg does on a merged-/usr system: extracting
 * a `lib/` directory entry over the guest's `lib -> usr/lib` symlink is left to no tar's judgement.
 */
async function mergeUsr(staging: string): Promise<void> {
  const present = new Set(await readdir(staging));
  for (const dir of MERGED_USR) {
    if (!present.has(dir)) continue;
    await mkdir(join(staging, 'usr', dir), { recursive: true });
    await run('cp', ['-a', `${join(staging, dir)}/.`, join(staging, 'usr', dir)]);
    await rm(join(staging, dir), { recursive: true });
  }
}
