/**
 * The registry of launched VMs, vms/<id>/ under the cloudlet directory, kept the way the base
 * registry is (sdk/base/registry.ts says why atomic directories rather than a database): a VM
 * enters or leaves by one rename under the same registry lock, and work in progress lives in the
 * shared tmp/, owned by a pid, so a later command cleans up after a killed one.
 */
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DomainRef } from '../../native/libvirt/index.js';
import { BaseNotFoundError, BaseRegistry, readdirOrNothing, type CloudletDir, type CloudletDirOptions, type StagingDir, syncDir, withRegistryLock } from '../base/index.js';
import { AmbiguousVmError, VmExistsError, VmNotFoundError } from './errors.js';
import { readVmRecord, VM_ID, type LaunchedVm } from './vm-record.js';

/** BaseRegistry's owner file of a staging directory (registry.ts); it must not move into the registry. */
const STAGING_OWNER_FILE = '.owner.json';

export class VmRegistry {
  private constructor(
    /** The base registry: its tmp/ staging, stale sweep and lock are shared. */
    readonly bases: BaseRegistry,
    readonly vmsDir: string,
  ) {}

  /** Opens the registry; `create: false` as for BaseRegistry.open. @example const registry = await VmRegistry.open({ cloudletDir: '/var/lib/cloudlet' }); */
  static async open(options: CloudletDirOptions = {}, access: { create?: boolean } = {}): Promise<VmRegistry> {
    const bases = await BaseRegistry.open(options, access);
    const vmsDir = join(bases.dir.root, 'vms');
    if (access.create !== false) await mkdir(vmsDir, { recursive: true, mode: 0o711 });
    return new VmRegistry(bases, vmsDir);
  }

  get dir(): CloudletDir {
    return this.bases.dir;
  }

  /** Every launched VM, oldest first. */
  async list(): Promise<LaunchedVm[]> {
    const ids = (await readdirOrNothing(this.vmsDir)).filter((name) => VM_ID.test(name));
    const vms = await Promise.all(ids.map((id) => readVmRecord(join(this.vmsDir, id))));
    return vms.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The VM a person means by `ref`: its name, its ID, or a unique ID prefix (at least 4 hex digits). */
  async resolve(ref: string): Promise<LaunchedVm> {
    const vms = await this.list();
    const exact = vms.filter((vm) => vm.name === ref || vm.id === ref);
    const matches = exact.length > 0 ? exact : /^[0-9a-f]{4,11}$/.test(ref) ? vms.filter((vm) => vm.id.startsWith(ref)) : [];
    if (matches.length === 1) return matches[0]!;
    if (matches.length === 0) throw new VmNotFoundError(ref, this.vmsDir);
    throw new AmbiguousVmError(ref, matches.map((vm) => vm.name));
  }

  /** Where VM `id` lives once registered. */
  vmDir(id: string): string {
    return join(this.vmsDir, id);
  }

  /** A new work directory in tmp/, recorded as ours, with the domain (name and UUID) we may start for it. */
  createStaging(domain: DomainRef): Promise<StagingDir> {
    return this.bases.createStaging('launch', domain);
  }

  /**
   * Registers the VM prepared in `staging` (its record written) as vms/<id>/: one rename under the
   * lock. A VM whose disk is a layer over a base is registered only while that base is (deleteBase
   * asks the VMs under the same lock).
   */
  async commit(staging: StagingDir, vm: Pick<LaunchedVm, 'id' | 'name' | 'backing' | 'origin'>): Promise<LaunchedVm> {
    const target = this.vmDir(vm.id);
    await withRegistryLock(this.dir.lock, async () => {
      if ((await this.list()).some((other) => other.name === vm.name)) throw new VmExistsError(vm.name, 'registry');
      const base = vm.origin.base;
      if (vm.backing !== undefined && base !== undefined && !(await this.bases.has(base))) throw new BaseNotFoundError(base, this.bases.dir.bases);
      await rm(join(staging.path, STAGING_OWNER_FILE), { force: true });
      await rename(staging.path, target);
      await syncDir(this.vmsDir);
    });
    return readVmRecord(target);
  }

  /** Unregisters VM `id` (one rename under the lock), then deletes its files. */
  async remove(id: string): Promise<void> {
    const trash = await this.bases.createStaging(`deleting-vm-${id}`);
    try {
      await withRegistryLock(this.dir.lock, async () => {
        if (!(await stat(this.vmDir(id)).then(() => true, () => false))) throw new VmNotFoundError(id, this.vmsDir);
        await rename(this.vmDir(id), join(trash.path, id));
        await syncDir(this.vmsDir);
      });
    } finally {
      await rm(trash.path, { recursive: true, force: true });
    }
  }
}
