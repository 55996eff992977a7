// Step 6: EPT. On Intel hosts with a kernel below 3.13, FUSE + mmap + EPT crash the host,
// so EPT goes off (`options kvm_intel ept=0`); also when asked with --disable-ept. The
// module is reloaded only when no VM runs; otherwise the operator is told to reboot.
import { sh } from '../../command/command.js';
import { cpuInfo, systemInfo, type CpuInfo } from '../../facts/index.js';
import { defineStep, type Action, type InstallSettings, type Plan } from '../step.js';
import { compareVersions } from './versions.js';

export interface EptFacts {
  readonly cpu: CpuInfo;
  readonly kernel: string;
  /** Content of our modprobe.d file, null when missing. */
  readonly modprobeConf: string | null;
  /** kvm_intel's current ept parameter: 'Y', 'N', or null when the module is not loaded. */
  readonly loadedEpt: 'Y' | 'N' | null;
  readonly runningVms: number;
}

export const MODPROBE_CONF = '/etc/modprobe.d/cloudlet-kvm-intel.conf';
const CONF = 'options kvm_intel ept=0\n';

export function planEpt(facts: EptFacts, settings: InstallSettings): Plan {
  const oldKernel = compareVersions(facts.kernel, '3.13') < 0;
  if (facts.cpu.vendor !== 'intel') {
    return { kind: 'skipped', reason: `EPT is an Intel setting; this CPU is ${facts.cpu.vendor}`, ...(settings.disableEpt ? { notes: ['--disable-ept has no effect here'] } : {}) };
  }
  if (!oldKernel && !settings.disableEpt) {
    const notes = facts.modprobeConf === CONF ? [`EPT stays off because of ${MODPROBE_CONF} from an earlier run; remove it to turn EPT on`] : [];
    return { kind: 'skipped', reason: `kernel ${facts.kernel} >= 3.13 and --disable-ept not given: EPT stays on`, notes };
  }
  const actions: Action[] = [];
  const notes: string[] = [];
  if (facts.modprobeConf !== CONF) actions.push({ kind: 'file', description: `${MODPROBE_CONF}: kvm_intel ept=0`, path: MODPROBE_CONF, content: CONF, mode: '0644' });
  if (facts.loadedEpt === 'Y') {
    if (facts.runningVms === 0) {
      actions.push({ kind: 'command', description: 'reload kvm_intel with ept=0', command: sh`modprobe -r kvm_intel && modprobe kvm_intel` });
    } else {
      notes.push(`${facts.runningVms} VM(s) running: kvm_intel still has EPT on; reboot, or reload kvm_intel when no VM runs`);
    }
  }
  if (actions.length === 0) return { kind: 'unchanged', reason: 'EPT is off', notes };
  return { kind: 'change', actions, notes };
}

export const ept = defineStep<EptFacts, InstallSettings>({
  name: 'ept',
  title: 'EPT',
  async gather(ctx) {
    const [cpu, system] = await Promise.all([ctx.fact(cpuInfo), ctx.fact(systemInfo)]);
    const conf = await ctx.run(sh`cat ${MODPROBE_CONF}`, { check: false, quiet: true });
    const param = await ctx.run(sh`cat /sys/module/kvm_intel/parameters/ept 2>/dev/null; true`, { quiet: true });
    const vms = await ctx.run(sh`pgrep -c -f ${'^[^ ]*qemu-system'}; true`, { quiet: true });
    const value = param.stdout.trim();
    return {
      cpu,
      kernel: system.kernel,
      modprobeConf: conf.exitCode === 0 ? conf.stdout : null,
      loadedEpt: value === 'Y' || value === '1' ? 'Y' : value === 'N' || value === '0' ? 'N' : null,
      runningVms: Number(vms.stdout.trim()) || 0,
    };
  },
  plan: planEpt,
});
