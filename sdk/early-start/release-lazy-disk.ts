/**
 * What `cloudlet destroy` does for an early-started VM, whichever process serves its disk: once
 * the domain is gone, the lazy disk its qcow2 layer stands on is unmounted (its FUSE connection
 * aborted first, so nothing waits on it). The serving process notices the domain is gone and
 * removes its files; if it was killed, the next early start sweeps them.
 */
import { forceUnmount, listOurMounts } from '../../native/fuse/index.js';

/**
 * Unmounts the lazy disk that `backing` (the VM record's backing file) lies in; nothing for a VM
 * without one or layered over a base's disk.
 *
 * @example await releaseLazyDisk(vm.backing);
 */
export async function releaseLazyDisk(backing: string | undefined): Promise<void> {
  if (backing === undefined) return;
  for (const mount of await listOurMounts()) if (backing.startsWith(`${mount.dir}/`)) await forceUnmount(mount);
}
