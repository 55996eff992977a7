// The SDK's public API. The overlay and synthesis modules are added here as they land.
export { packageVersion } from './version.js';
export { doctor, formatDoctorReport, type DoctorReport, type DoctorCheck } from './doctor/index.js';
