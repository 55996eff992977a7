// The SDK's public API.
export { packageVersion } from './version.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/index.js';
export * from './overlay/index.js';
export * from './synthesis/index.js';
