/** `cloudlet list` and `cloudlet destroy`, and resuming a registered base as a new VM. */
import { DomainUuidMismatchError, LibvirtConnection, LibvirtUnavailableError, type DomainStateName } from '../../native/libvirt/index.js';
import { BaseRegistry, type CloudletDirOptions } from '../base/index.js';
import { releaseLazyDisk } from '../early-start/release-lazy-disk.js';
import { VmDomainMismatchError } from './errors.js';
import { launchVm, type LaunchOptions } from './launch-vm.js';
import type { LaunchedVm } from './vm-record.js';
import { VmRegistry } from './vm-registry.js';

/** A launched VM and what libvirt says about it now. */
export interface VmStatus extends LaunchedVm {
  /** 'gone': no such domain any more (the guest powered off, or the host restarted); 'unknown': libvirtd unreachable. */
  state: DomainStateName | 'gone' | 'unknown';
}

/** Options of listing and destroying synthesized VMs. */
export interface ManageVmOptions extends CloudletDirOptions {
  /** Default qemu:///system. */
  libvirtUri?: string;
}

/**
 * Resumes registered base `ref` (ID, ID prefix or name) as a new VM; the base's files are copied, never written.
 *
 * @example const vm = await launchBase('debian', { name: 'scratch-vm' });
 */
export async function launchBase(ref: string, options: LaunchOptions = {}): Promise<LaunchedVm> {
  const base = await (await BaseRegistry.open(options)).resolve(ref);
  return launchVm(
    { disk: base.files.disk, memory: base.files.memory, hardware: base.hardware, domainType: base.domain.type, origin: { base: base.id } },
    options,
  );
}

/**
 * Every launched VM, oldest first, with its domain's state (state 'unknown' for all when libvirtd is down).
 *
 * @example for (const vm of await listVms()) console.log(vm.name, vm.state);
 */
export async function listVms(options: ManageVmOptions = {}): Promise<VmStatus[]> {
  const vms = await (await VmRegistry.open(options, { create: false })).list();
  let libvirt: LibvirtConnection;
  try {
    libvirt = await LibvirtConnection.open(options.libvirtUri);
  } catch (error) {
    if (error instanceof LibvirtUnavailableError) return vms.map((vm) => ({ ...vm, state: 'unknown' }));
    throw error;
  }
  try {
    const states: VmStatus[] = [];
    for (const vm of vms) {
      // By UUID: a domain that took the name of a VM that is gone is not that VM.
      const domain = await libvirt.findByUuid(vm);
      states.push({ ...vm, state: domain ? (await domain.status()).state : 'gone' });
    }
    return states;
  } finally {
    await libvirt.close().catch(() => undefined);
  }
}

/**
 * Destroys VM `ref` (name, ID or ID prefix): its domain is killed and undefined, an early-started
 * VM's lazy disk unmounted, then its record and files are removed. Returns what it was. Needs libvirtd, so that no domain is left running.
 * Only the domain with the UUID the VM was defined with is removed: when another domain has
 * taken the VM's name (the VM stopped, someone defined a new one), that domain is left alone, the
 * VM's record and files are removed, and VmDomainMismatchError says so.
 *
 * @example await destroyVm('scratch-vm');
 */
export async function destroyVm(ref: string, options: ManageVmOptions = {}): Promise<LaunchedVm> {
  const registry = await VmRegistry.open(options);
  const vm = await registry.resolve(ref);
  const libvirt = await LibvirtConnection.open(options.libvirtUri);
  let mismatch: DomainUuidMismatchError | undefined;
  try {
    await libvirt.remove(vm);
  } catch (error) {
    // Our domain could still exist under another name only if it had been made persistent and renamed: then keep everything.
    if (!(error instanceof DomainUuidMismatchError) || (await libvirt.findByUuid(vm))) throw error;
    mismatch = error;
  } finally {
    await libvirt.close().catch(() => undefined);
  }
  await releaseLazyDisk(vm.backing);
  await registry.remove(vm.id);
  if (mismatch) throw new VmDomainMismatchError(vm.name, mismatch.uri, vm.uuid, mismatch.foundUuid, { cause: mismatch });
  return vm;
}
