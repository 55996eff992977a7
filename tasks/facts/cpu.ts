// The CPU vendor and its virtualization extension (vmx on Intel, svm on AMD).
import { sh } from '../command/command.js';
import { defineFact } from './fact.js';

/** The cpuInfo fact. */
export interface CpuInfo {
  readonly vendor: 'intel' | 'amd' | 'other';
  readonly model: string;
  readonly virtualization: 'vmx' | 'svm' | null;
}

export function parseCpuInfo(text: string): CpuInfo {
  const field = (key: string): string => new RegExp(`^${key}\\s*:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? '';
  const vendorId = field('vendor_id');
  const flags = new Set(field('flags').split(/\s+/));
  return {
    vendor: vendorId === 'GenuineIntel' ? 'intel' : vendorId === 'AuthenticAMD' ? 'amd' : 'other',
    model: field('model name'),
    virtualization: flags.has('vmx') ? 'vmx' : flags.has('svm') ? 'svm' : null,
  };
}

/** A fact: CPU vendor, model and virtualization extension (vmx, svm). Read it in a task with `await ctx.fact(cpuInfo)`. */
export const cpuInfo = defineFact({
  name: 'cpu',
  command: sh`cat /proc/cpuinfo`,
  parse: (stdout) => parseCpuInfo(stdout),
});
