// The SDK's public API.
export { packageVersion } from './version.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/index.js';
export * from './overlay/index.js';
export * from './synthesis/index.js';
// Namespaced: base VM records and synthesized VMs share names (BaseVm, …) with overlay inputs.
export * as base from './base/index.js';
export * as launch from './launch/index.js';
