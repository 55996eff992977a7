/** `cloudlet list-base`: a thin call on the registry (`cloudlet del-base` is sdk/vms/delete-base.ts: it asks the VMs first). */
import type { BaseVm } from './base-record.js';
import type { CloudletDirOptions } from './cloudlet-dir.js';
import { BaseRegistry } from './registry.js';

/** Every registered base, oldest first. @example for (const base of await listBases()) console.log(base.id, base.name); */
export async function listBases(options: CloudletDirOptions = {}): Promise<BaseVm[]> {
  return (await BaseRegistry.open(options, { create: false })).list();
}
