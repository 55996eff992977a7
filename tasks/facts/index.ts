export { defineFact, type Fact } from './fact.js';
export { osRelease, parseOsRelease, type OsRelease } from './os-release.js';
export { systemInfo, parseSystemInfo, type SystemInfo } from './system.js';
export { cpuInfo, parseCpuInfo, type CpuInfo } from './cpu.js';
