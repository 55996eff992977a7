/** Synthesized VMs: resume a saved VM under libvirt as a new VM, list them, destroy them; their registry. */
export { launchVm, type LaunchSource, type LaunchOptions } from './launch-vm.js';
export { launchBase, listVms, destroyVm, type VmStatus, type ManageVmOptions } from './manage-vms.js';
export { VmRegistry } from './vm-registry.js';
export { VM_FILES, type VmRecord, type LaunchedVm } from './vm-record.js';
export type { LaunchProgress, LaunchProgressListener, LaunchStep } from './progress.js';
export * from './errors.js';
