/** Making a VM overlay: the base's memory as pages dedup can address, the VM state record, and createOverlay. */
export { createOverlay, type OverlayBase, type CustomizedVm, type CreateOverlayInput, type CreateOverlayOptions, type CreateOverlayResult } from './create-overlay.js';
export { prepareBaseMemory, type BaseMemory } from './base-memory.js';
export { baseVmId, encodeVmState, decodeVmState, MAX_VM_STATE_BYTES, readVmState, type VmState } from '../vm-state/index.js';
export { readCustomizedMemory, type CustomizedMemory } from './customized-memory.js';
export * from './errors.js';
