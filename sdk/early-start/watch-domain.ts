/**
 * Resolves when a VM's domain is gone: destroyed (by `cloudlet destroy`, from any process), or shut
 * down from inside (our domains are transient: a powered-off guest's domain disappears). The
 * early-start disk server waits on it to unmount. libvirt's event API is not in the binding: it is
 * polled, by UUID (a new domain under the name is not this VM).
 */
import { LibvirtConnection } from '../../native/libvirt/index.js';
import type { LaunchedVm } from '../vms/index.js';

/** @example await watchDomain(vm, 'qemu:///system', 1000); */
export async function watchDomain(vm: LaunchedVm, uri: string | undefined, everyMs: number): Promise<void> {
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    const libvirt = await LibvirtConnection.open(uri).catch(() => undefined);
    // libvirtd restarting: look again later rather than take the VM for gone.
    if (libvirt === undefined) continue;
    try {
      if ((await libvirt.findByUuid(vm)) === undefined) return;
    } catch {
      continue;
    } finally {
      await libvirt.close().catch(() => undefined);
    }
  }
}
