// `cloudlet doctor`: what works on this host for VM synthesis, as data the CLI renders.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { checkAcceleration, checkFuse, checkQemu, checkSpace, type DoctorCheck } from './checks.js';
import { checkLibvirt } from './libvirt-check.js';

/** What doctor found: every check, the accelerator VMs will use (kvm or tcg), and whether all passed. */
export interface DoctorReport {
  readonly accel: 'kvm' | 'tcg';
  readonly checks: readonly DoctorCheck[];
  /** No check failed (warnings allowed). */
  readonly ok: boolean;
}

/** Options of doctor: the cloudlet directory and libvirt URI to check, the free space wanted. */
export interface DoctorOptions {
  /** Where base VMs and overlays are kept. */
  readonly cloudletDir?: string;
  readonly libvirtUri?: string;
  readonly minFreeGiB?: number;
}

/**
 * Checks the host. @example const report = await doctor(); report.accel === 'kvm'
 */
export async function doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const [accel, qemu, libvirt, fuse, space] = await Promise.all([
    checkAcceleration(),
    checkQemu(),
    checkLibvirt(options.libvirtUri ?? 'qemu:///system'),
    checkFuse(),
    checkSpace(options.cloudletDir ?? join(homedir(), '.cloudlet'), options.minFreeGiB ?? 10),
  ]);
  return doctorReport([accel, ...qemu, libvirt, fuse, space]);
}

/** The verdict on the checks: KVM when the acceleration check passed; ready unless a check failed. */
export function doctorReport(checks: readonly DoctorCheck[]): DoctorReport {
  const accel = checks.find((check) => check.name === 'acceleration')?.level === 'ok' ? 'kvm' : 'tcg';
  return { accel, checks, ok: checks.every((check) => check.level !== 'fail') };
}

/** The report as a table for people. */
export function formatDoctorReport(report: DoctorReport): string {
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const mark = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL' };
  const lines = report.checks.map((check) => `${mark[check.level]}  ${check.name.padEnd(width)}  ${check.detail}${check.fix ? `\n      ${''.padEnd(width)}  -> ${check.fix}` : ''}`);
  return [...lines, report.ok ? `ready for VM synthesis (${report.accel.toUpperCase()})` : 'NOT ready: fix the FAIL lines above'].join('\n');
}
