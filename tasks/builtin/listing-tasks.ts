// `cloudlet-tasks vms` and `bases`: the synthesized VMs and the registered bases of every selected
// host, as one table (host, name, id, state, base, age); `--json` has each host's list in its result.
import type { RemoteBase, RemoteVm } from '../cloudlet/remote-cloudlet.js';
import { REMOTE_OPTIONS, remoteSettings } from '../cloudlet/remote-options.js';
import { defineTask } from '../task/define-task.js';
import { age, hostTable } from './host-table.js';

/** A VM in the cross-host table and in `--json` results. */
export interface HostVm {
  readonly name: string;
  readonly id: string;
  readonly state: string;
  readonly base: string | null;
  readonly createdAt: string;
  readonly console: string;
}

export const vmsTask = defineTask({
  name: 'vms',
  help: 'list the synthesized VMs of every host in one table (host, name, id, state, base, age)',
  options: REMOTE_OPTIONS,
  async body(ctx): Promise<HostVm[]> {
    const vms = await ctx.cloudlet.with(remoteSettings(ctx.options)).vms();
    return vms.map((vm: RemoteVm) => ({ name: vm.name, id: vm.id, state: vm.state, base: vm.origin.base ?? null, createdAt: vm.createdAt, console: vm.files.console }));
  },
  report: (results) => hostTable(results, ['NAME', 'ID', 'STATE', 'BASE', 'AGE'], (vms: HostVm[]) => vms.map((vm) => [vm.name, vm.id, vm.state, vm.base?.slice(0, 12) ?? '-', age(vm.createdAt)]), 'no VMs on these hosts'),
});

/** A base in the cross-host table and in `--json` results. */
export interface HostBase {
  readonly id: string;
  readonly name: string;
  readonly memoryMiB: number;
  readonly diskSize: number;
  readonly createdAt: string;
}

export const basesTask = defineTask({
  name: 'bases',
  help: 'list the base VMs registered on every host in one table (host, id, name, memory, disk, age)',
  options: REMOTE_OPTIONS,
  async body(ctx): Promise<HostBase[]> {
    const bases = await ctx.cloudlet.with(remoteSettings(ctx.options)).bases();
    return bases.map((base: RemoteBase) => ({ id: base.id, name: base.name, memoryMiB: base.hardware.memoryMiB, diskSize: base.diskSize, createdAt: base.createdAt }));
  },
  report: (results) =>
    hostTable(results, ['ID', 'NAME', 'MEMORY', 'DISK', 'AGE'], (bases: HostBase[]) => bases.map((base) => [base.id.slice(0, 12), base.name, `${base.memoryMiB} MiB`, `${(base.diskSize / 2 ** 20).toFixed(0)} MiB`, age(base.createdAt)]), 'no bases on these hosts'),
});
