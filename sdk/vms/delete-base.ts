/**
 * `cloudlet del-base`: a base is deleted only while no VM reads its disk. A synthesized VM's disk
 * is a qcow2 layer whose backing file is the base's disk, so deleting the base would take every
 * such VM's disk with it; the VMs are asked under the registry lock, the one a VM registers under
 * (vm-registry.ts), so no VM appears between the question and the deletion.
 */
import { BaseInUseError, type BaseVm, type CloudletDirOptions } from '../base/index.js';
import { VmRegistry } from './vm-registry.js';

/**
 * Unregisters base `ref` (ID, ID prefix or name) and deletes its files; returns what it was.
 * BaseInUseError, naming the VMs, while any VM's disk is a layer over it.
 *
 * @example await deleteBase('b850e752');
 */
export async function deleteBase(ref: string, options: CloudletDirOptions = {}): Promise<BaseVm> {
  const vms = await VmRegistry.open(options);
  const base = await vms.bases.resolve(ref);
  await vms.bases.remove(base.id, async () => {
    const users = (await vms.list()).filter((vm) => vm.backing !== undefined && vm.origin.base === base.id);
    if (users.length > 0) throw new BaseInUseError(base.id, base.name, users.map((vm) => vm.name));
  });
  return base;
}
