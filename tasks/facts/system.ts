// Kernel, architecture, host name, login user and memory, read in one round trip.
import { sh } from '../command/command.js';
import { defineFact } from './fact.js';

export interface SystemInfo {
  readonly kernel: string;
  readonly arch: string;
  readonly hostname: string;
  readonly user: string;
  readonly memTotalKiB: number;
  readonly memAvailableKiB: number;
  readonly cpuCount: number;
}

export function parseSystemInfo(stdout: string): SystemInfo {
  const [kernel = '', arch = '', hostname = '', user = '', cpus = '0', ...meminfo] = stdout.split('\n');
  const mem = (key: string): number => Number(/(\d+)/.exec(meminfo.find((line) => line.startsWith(`${key}:`)) ?? '')?.[1] ?? 0);
  return {
    kernel: kernel.trim(),
    arch: arch.trim(),
    hostname: hostname.trim(),
    user: user.trim(),
    cpuCount: Number(cpus.trim()) || 0,
    memTotalKiB: mem('MemTotal'),
    memAvailableKiB: mem('MemAvailable'),
  };
}

export const systemInfo = defineFact({
  name: 'system',
  command: sh`uname -r; uname -m; uname -n; id -un; getconf _NPROCESSORS_ONLN; cat /proc/meminfo`,
  parse: (stdout) => parseSystemInfo(stdout),
});
