// Step 1: is this a host we can make a cloudlet of? OS and version, architecture and glibc (the
// runtime we deploy needs both), CPU
// virtualization and /dev/kvm (TCG otherwise, said loudly), kernel (the FUSE + mmap + EPT
// crash below 3.13), RAM and disk against the operator's minimums.
import { cpuInfo, osRelease, systemInfo, type CpuInfo, type OsRelease, type SystemInfo } from '../../facts/index.js';
import { diskFree, kvmDevice, type KvmDevice } from '../../facts/host-resources.js';
import { defineStep, HostRefused, type InstallSettings, type Plan } from '../step.js';
import { hostArch, MIN_GLIBC, RUNTIME_VERSION } from '../bundle/node-runtime.js';
import { compareVersions } from './versions.js';

export interface PreflightFacts {
  readonly os: OsRelease;
  readonly system: SystemInfo;
  readonly cpu: CpuInfo;
  readonly kvm: KvmDevice;
  readonly freeDiskMiB: number;
}

const SUPPORTED: Record<string, string> = { ubuntu: '18.04', debian: '11' };

export function planPreflight(facts: PreflightFacts, settings: InstallSettings): Plan {
  const { os, system, cpu, kvm } = facts;
  const notes: string[] = [];
  const minimum = SUPPORTED[os.id];
  const supported = minimum !== undefined && compareVersions(os.versionId, minimum) >= 0;
  if (!supported) {
    const why = `${os.prettyName} is not supported (Ubuntu >= 18.04 or Debian >= 11)`;
    if (!settings.force) throw new HostRefused(`${why}; use --force to try anyway`);
    notes.push(`${why}; going on because of --force`);
  }
  if (!hostArch(system.arch)) throw new HostRefused(`architecture ${system.arch} is not supported (x86_64 or aarch64)`);
  if (system.glibc === null || compareVersions(system.glibc, MIN_GLIBC) < 0) {
    const found = system.glibc === null ? 'no glibc' : `glibc ${system.glibc}`;
    throw new HostRefused(`${found}: the Node.js ${RUNTIME_VERSION} runtime that runs cloudlet needs glibc >= ${MIN_GLIBC} (Ubuntu >= 20.04, Debian >= 11)`);
  }
  const ramMiB = Math.floor(system.memTotalKiB / 1024);
  if (ramMiB < settings.minRamMiB) throw new HostRefused(`${ramMiB} MiB RAM is below the minimum of ${settings.minRamMiB} MiB (--min-ram-mb)`);
  const diskGiB = facts.freeDiskMiB / 1024;
  if (diskGiB < settings.minDiskGiB) {
    throw new HostRefused(`${diskGiB.toFixed(1)} GiB free disk is below the minimum of ${settings.minDiskGiB} GiB (--min-disk-gb)`);
  }
  let accel: string;
  if (cpu.virtualization && kvm.exists) {
    accel = `KVM (${cpu.virtualization})`;
  } else {
    accel = 'TCG emulation';
    const missing = !cpu.virtualization ? 'the CPU shows no vmx/svm flag' : '/dev/kvm is missing (kvm module not loaded?)';
    notes.push(`VMs WILL RUN UNDER TCG EMULATION, many times slower: ${missing}. The host is set up all the same`);
  }
  if (compareVersions(system.kernel, '3.13') < 0) {
    notes.push(`kernel ${system.kernel} is older than 3.13: FUSE + mmap crash with EPT; the EPT step turns EPT off on Intel`);
  }
  return {
    kind: 'unchanged',
    reason: `${os.prettyName}, ${system.arch}, glibc ${system.glibc}, kernel ${system.kernel}, ${accel}, ${ramMiB} MiB RAM, ${diskGiB.toFixed(1)} GiB free`,
    notes,
  };
}

export const preflight = defineStep<PreflightFacts, InstallSettings>({
  name: 'preflight',
  title: 'Preflight',
  reportOnly: true,
  async gather(ctx, settings) {
    const [os, system, cpu, kvm, freeDiskMiB] = await Promise.all([
      ctx.fact(osRelease),
      ctx.fact(systemInfo),
      ctx.fact(cpuInfo),
      ctx.fact(kvmDevice),
      ctx.fact(diskFree(settings.prefix)),
    ]);
    return { os, system, cpu, kvm, freeDiskMiB };
  },
  plan: planPreflight,
});
