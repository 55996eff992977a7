// The SDK's public API.
export { packageVersion } from './version.js';
// The error root every SDK, native and runner error extends: `code`, `category`, and errorData for JSON.
export { CloudletError, UsageError, errorData, type ErrorCategory, type ErrorData } from './errors/cloudlet-error.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/index.js';
// The one progress event every SDK function's onProgress receives (a versioned format: its table is in sdk/progress/progress-event.ts).
export * from './progress/index.js';
export * from './overlay/index.js';
export * from './synthesis/index.js';
// Namespaced: base VM records and synthesized VMs share names (BaseVm, …) with overlay inputs.
export * as base from './base/index.js';
export * as launch from './launch/index.js';
