/** What an overlay records about its VM, shared by the maker (overlay/create) and the readers (synthesis, overlay/info): the base VM ID it is bound to and the VM state record. */
export { baseVmId } from './base-id.js';
export { encodeVmState, decodeVmState, MAX_VM_STATE_BYTES, type VmState } from './vm-state.js';
export { readVmState } from './read-vm-state.js';
export * from './errors.js';
