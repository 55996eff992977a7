/**
 * The user's cloudlet directory (~/.cloudlet unless CLOUDLET_DIR or an option says otherwise):
 *
 *   bases/<id>/      one registered base VM each (base-record.ts lists the files)
 *   tmp/<kind>-<r>/  work in progress: a base being created or imported, or one being deleted
 *   early-start/early-<pid>-<r>/  the lazy disk of an early-started VM, while its serving process runs
 *   registry.flock   flock(2)ed while the set of bases or VMs changes (registry-lock.ts)
 *
 * Directories are made 0711: private listings, but QEMU, which libvirt runs as libvirt-qemu,
 * can reach the disk inside. The files themselves are the owner's alone (sdk/files says why QEMU
 * needs no more).
 */
import { mkdir, stat, statfs } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CloudletDirUnreachableError, NotEnoughSpaceError } from './errors.js';

/** Where the registries live: `cloudletDir`, default ~/.cloudlet. */
export interface CloudletDirOptions {
  /** Default: $CLOUDLET_DIR, else ~/.cloudlet. */
  cloudletDir?: string;
}

export interface CloudletDir {
  root: string;
  bases: string;
  tmp: string;
  earlyStart: string;
  lock: string;
}

/** The layout under `options.cloudletDir`, without touching the disk. */
export function cloudletDirLayout(options: CloudletDirOptions = {}): CloudletDir {
  const root = resolve(options.cloudletDir ?? process.env.CLOUDLET_DIR ?? join(homedir(), '.cloudlet'));
  return { root, bases: join(root, 'bases'), tmp: join(root, 'tmp'), earlyStart: join(root, 'early-start'), lock: join(root, 'registry.flock') };
}

/** Creates the layout's directories if needed. */
export async function ensureCloudletDir(dir: CloudletDir): Promise<void> {
  for (const path of [dir.root, dir.bases, dir.tmp]) await mkdir(path, { recursive: true, mode: 0o711 });
}

/**
 * Refuses a cloudlet directory that QEMU cannot traverse to (checked before a VM boots, so the
 * failure is this message instead of libvirt's "Permission denied" on the disk). Root passes any
 * directory; QEMU, running as libvirt-qemu, needs search permission for "others" on each one.
 */
export async function checkQemuCanReach(dir: CloudletDir): Promise<void> {
  for (let path = dir.root; ; path = dirname(path)) {
    const { mode } = await stat(path);
    if ((mode & 0o001) === 0) throw new CloudletDirUnreachableError(dir.root, path, mode & 0o7777);
    if (path === dirname(path)) return;
  }
}

/** Refuses to start work that needs `neededBytes` more than the file system of `dir` has free. */
export async function checkFreeSpace(dir: string, neededBytes: number): Promise<void> {
  const stats = await statfs(dir);
  const available = stats.bavail * stats.bsize;
  if (available < neededBytes) throw new NotEnoughSpaceError(dir, neededBytes, available);
}
