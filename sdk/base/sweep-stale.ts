/**
 * What killed commands left behind, finished before a command starts a domain of its own: the
 * domain each abandoned staging directory names is removed by the UUID it was defined with, and the
 * directory is deleted. qemu:///system is shared, so a domain we cannot prove ours is left alone
 * with a warning: one under the name with another UUID, or one recorded by an older version that
 * wrote the name only (its files are ours and are deleted all the same). The lazy disks of
 * early-started VMs whose serving process was killed are unmounted and their directories removed.
 */
import { sweepStaleMounts } from '../../native/fuse/index.js';
import { DomainUuidMismatchError, type LibvirtConnection } from '../../native/libvirt/index.js';
import { sweepDeadScratchDirs } from '../scratch/index.js';
import type { ProgressListener } from '../progress/index.js';
import type { BaseRegistry } from './registry.js';

/** @example await sweepStaleDomains(registry, libvirt, emit); */
export async function sweepStaleDomains(registry: BaseRegistry, libvirt: LibvirtConnection, emit: ProgressListener): Promise<void> {
  await sweepStaleMounts();
  await sweepDeadScratchDirs(registry.dir.earlyStart, 'early-');
  await registry.sweepStale(async ({ name, uuid }) => {
    if (uuid === undefined) {
      emit({
        kind: 'warning',
        message: `a killed command's work directory names a domain '${name}' without its UUID (an older version wrote it): that domain was not removed, since it may be someone else's by now; if it is a leftover of yours, find its UUID (virsh -c ${libvirt.uri} list --all --uuid --name) and remove it by UUID`,
      });
      return;
    }
    try {
      await libvirt.remove({ name, uuid });
    } catch (error) {
      if (!(error instanceof DomainUuidMismatchError)) throw error;
      emit({ kind: 'warning', message: error.message });
    }
  });
}
