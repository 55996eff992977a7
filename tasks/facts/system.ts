// Kernel, architecture, C library, host name, login user and memory, read in one round trip.
import { sh } from '../command/command.js';
import { defineFact } from './fact.js';

/** The systemInfo fact. */
export interface SystemInfo {
  readonly kernel: string;
  readonly arch: string;
  readonly hostname: string;
  readonly user: string;
  readonly memTotalKiB: number;
  readonly memAvailableKiB: number;
  readonly cpuCount: number;
  /** glibc's version ("2.36"), null on other C libraries. */
  readonly glibc: string | null;
}

export function parseSystemInfo(stdout: string): SystemInfo {
  const [kernel = '', arch = '', hostname = '', user = '', cpus = '0', libc = '', ...meminfo] = stdout.split('\n');
  const mem = (key: string): number => Number(/(\d+)/.exec(meminfo.find((line) => line.startsWith(`${key}:`)) ?? '')?.[1] ?? 0);
  return {
    kernel: kernel.trim(),
    arch: arch.trim(),
    hostname: hostname.trim(),
    user: user.trim(),
    cpuCount: Number(cpus.trim()) || 0,
    glibc: /^glibc (\d+\.\d+)/.exec(libc.trim())?.[1] ?? null,
    memTotalKiB: mem('MemTotal'),
    memAvailableKiB: mem('MemAvailable'),
  };
}

/** A fact: kernel, architecture, hostname, user, memory, CPU count and glibc version. Read it in a task with `await ctx.fact(systemInfo)`. */
export const systemInfo = defineFact({
  name: 'system',
  command: sh`uname -r; uname -m; uname -n; id -un; getconf _NPROCESSORS_ONLN; getconf GNU_LIBC_VERSION 2>/dev/null || echo none; cat /proc/meminfo`,
  parse: (stdout) => parseSystemInfo(stdout),
});
