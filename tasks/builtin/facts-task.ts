// `cloudlet-tasks -H lab1 facts`: what the runner knows about each host, read-only.
import { cpuInfo, osRelease, systemInfo } from '../facts/index.js';
import { defineTask } from '../task/define-task.js';

export const factsTask = defineTask({
  name: 'facts',
  help: 'show each host\'s OS, kernel, CPU virtualization and memory (changes nothing)',
  options: {},
  async body(ctx) {
    const [os, system, cpu] = await Promise.all([ctx.fact(osRelease), ctx.fact(systemInfo), ctx.fact(cpuInfo)]);
    return {
      os: os.prettyName,
      kernel: system.kernel,
      arch: system.arch,
      hostname: system.hostname,
      user: system.user,
      cpus: system.cpuCount,
      cpuVendor: cpu.vendor,
      virtualization: cpu.virtualization ?? 'none (VMs would run under TCG emulation)',
      memTotalMiB: Math.round(system.memTotalKiB / 1024),
      memAvailableMiB: Math.round(system.memAvailableKiB / 1024),
    };
  },
});
