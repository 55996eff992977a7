/** `cloudlet list-base` and `cloudlet del-base`: thin calls on the registry. */
import type { BaseVm } from './base-record.js';
import type { CloudletDirOptions } from './cloudlet-dir.js';
import { BaseRegistry } from './registry.js';

/** Every registered base, oldest first. @example for (const base of await listBases()) console.log(base.id, base.name); */
export async function listBases(options: CloudletDirOptions = {}): Promise<BaseVm[]> {
  return (await BaseRegistry.open(options, { create: false })).list();
}

/**
 * Unregisters base `ref` (ID, ID prefix or name) and deletes its files; returns what it was.
 *
 * @example await deleteBase('b850e752');
 */
export async function deleteBase(ref: string, options: CloudletDirOptions = {}): Promise<BaseVm> {
  const registry = await BaseRegistry.open(options);
  const base = await registry.resolve(ref);
  await registry.remove(base.id);
  return base;
}
