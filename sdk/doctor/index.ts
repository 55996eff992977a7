export { doctor, formatDoctorReport, type DoctorReport, type DoctorOptions } from './doctor.js';
export type { DoctorCheck, CheckLevel } from './checks.js';
