/**
 * An early-started VM's disk as a file QEMU can open: a LazyDisk served by FUSE from a private
 * directory. Made in a scratch directory (`early-<pid>-…`, swept once its process is gone, after
 * its stale mount is taken down): `disk/` is the mount point, holding the read-only raw image
 * `disk/disk.raw` (root's, QEMU's group, 0440: allow_other lets QEMU's user in and the kernel
 * checks the modes), and `disk.chunks` the private scratch file the recovered chunks go to. The
 * VM's writes never reach any of them: it runs on a qcow2 layer over the image.
 */
import { chmod, mkdir, open, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { mountFuseFile, sweepStaleMounts, type FuseFile } from '../../native/fuse/index.js';
import { ChunkFile, CHUNK_SIZE } from '../overlay/chunk-io/index.js';
import type { OverlayMeta } from '../overlay/package/index.js';
import { makeScratchDir } from '../scratch/index.js';
import { LazyDiskFailedError } from './errors.js';
import { LazyDisk } from './lazy-disk.js';

export interface LazyDiskInput {
  /** Where the scratch directory is made (a directory QEMU can reach). */
  parent: string;
  /** The base's raw disk. */
  base: string;
  meta: Pick<OverlayMeta, 'diskSize' | 'diskZeroed' | 'blobs'>;
  /** QEMU's group (qemuDacLabel), which gets read access; undefined: root's group only. */
  qemuGid: number | undefined;
  onDemand?: (name: string) => void;
}

/** A mounted lazy disk: the image's path, the store recovered chunks are applied to, and its teardown. */
export interface MountedLazyDisk {
  /** The raw image QEMU reads (the qcow2 layer's backing file). */
  readonly image: string;
  /** The scratch directory holding the mount point and the scratch file. */
  readonly dir: string;
  readonly disk: LazyDisk;
  /** Where the items write disk chunks; flush it before LazyDisk.arrived. */
  readonly scratch: ChunkFile;
  /** Unmounts, closes and removes everything; safe to call twice. */
  close(): Promise<void>;
}

export const IMAGE_MODE = 0o440;

/**
 * Mounts the lazy disk of `input.meta` over `input.base`.
 *
 * @example const lazy = await mountLazyDisk({ parent: registry.dir.tmp, base: base.files.disk, meta, qemuGid });
 */
export async function mountLazyDisk(input: LazyDiskInput): Promise<MountedLazyDisk> {
  // A killed server's mount would keep its scratch directory (and the sweep below) from going.
  await sweepStaleMounts();
  const dir = await makeScratchDir(input.parent, 'early-');
  // QEMU's user passes through to the mount point; the scratch file stays private.
  await chmod(dir, 0o711);
  const files: FileHandle[] = [];
  let scratch: ChunkFile | undefined;
  let mounted: FuseFile | undefined;
  let disk: LazyDisk | undefined;
  const close = async (): Promise<void> => {
    // A read left waiting would hold its FUSE thread, and the unmount waits for every thread.
    disk?.fail(new LazyDiskFailedError(undefined, 'its disk was closed before the overlay was complete'));
    await mounted?.unmount().catch(() => undefined);
    await scratch?.close().catch(() => undefined);
    for (const file of files.splice(0)) await file.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const mountPoint = join(dir, 'disk');
    await mkdir(mountPoint, { mode: 0o700 });
    scratch = await ChunkFile.create(join(dir, 'disk.chunks'), input.meta.diskSize / CHUNK_SIZE);
    const base = await open(input.base, 'r');
    files.push(base);
    const scratchReader = await open(scratch.path, 'r');
    files.push(scratchReader);
    disk = new LazyDisk({ meta: input.meta, base, scratch: scratchReader, ...(input.onDemand ? { onDemand: input.onDemand } : {}) });
    mounted = await mountFuseFile(mountPoint, {
      name: 'disk.raw',
      size: input.meta.diskSize,
      uid: 0,
      gid: input.qemuGid ?? 0,
      mode: IMAGE_MODE,
      read: (position, into) => disk!.read(position, into),
    });
    let closing: Promise<void> | undefined;
    return { image: mounted.path, dir, disk, scratch, close: () => (closing ??= close()) };
  } catch (error) {
    await close();
    throw error;
  }
}
