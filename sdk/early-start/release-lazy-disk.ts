/**
 * What `cloudlet destroy` does for an early-started VM, whichever process serves its disk: once
 * the domain is gone, the lazy disk its qcow2 layer stands on is unmounted (its FUSE connection
 * aborted first, so nothing waits on it). The serving process notices the domain is gone and
 * removes its files; if it was killed, the next early start sweeps them.
 */
import { open } from 'node:fs/promises';
import { forceUnmount, listOurMounts } from '../../native/fuse/index.js';
import { imageInfo } from '../image/disk/index.js';

const QCOW2_MAGIC = Buffer.from([0x51, 0x46, 0x49, 0xfb]);

/**
 * Unmounts the lazy disk under the VM disk `disk` (a qcow2 layer whose backing is one of our mounts); nothing for other disks.
 *
 * @example await releaseLazyDisk(vm.files.disk);
 */
export async function releaseLazyDisk(disk: string): Promise<void> {
  const mounts = await listOurMounts();
  if (mounts.length === 0 || !(await isQcow2(disk))) return;
  const { backingFile } = await imageInfo(disk, 'qcow2');
  for (const mount of mounts) if (backingFile?.startsWith(`${mount.dir}/`)) await forceUnmount(mount);
}

async function isQcow2(path: string): Promise<boolean> {
  const file = await open(path, 'r').catch(() => undefined);
  if (file === undefined) return false;
  try {
    const head = Buffer.alloc(4);
    await file.read(head, 0, 4, 0);
    return head.equals(QCOW2_MAGIC);
  } finally {
    await file.close();
  }
}
