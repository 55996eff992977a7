// `cloudlet-tasks install`: turns a fresh Ubuntu or Debian host into a cloudlet, step by
// step, changing only what differs; `check` runs the read-only steps (preflight, verify).
import { RunnerError } from '../errors.js';
import { defineTask, type OptionValues, type OptionSpecs } from '../task/define-task.js';
import type { TaskContext } from '../task/task-context.js';
import { applySteps } from './apply-steps.js';
import type { InstallSettings, Step, StepReport } from './step.js';
import { appArmor } from './steps/apparmor.js';
import { deploySdk } from './steps/deploy-sdk.js';
import { ept } from './steps/ept.js';
import { fuse } from './steps/fuse.js';
import { groups } from './steps/groups.js';
import { libvirtService } from './steps/libvirt-service.js';
import { packages } from './steps/packages.js';
import { preflight } from './steps/preflight.js';
import { verify } from './steps/verify.js';

/** The options install and check share (a playbook's `install:` and `check:` steps take them too). */
export const INSTALL_OPTIONS = {
  'vm-user': { type: 'string', help: 'user who will run VMs (default: the login user)' },
  'min-ram-mb': { type: 'number', help: 'refuse hosts with less RAM', default: 1024 },
  'min-disk-gb': { type: 'number', help: 'refuse hosts with less free disk at the prefix', default: 10 },
  prefix: { type: 'string', help: 'where the SDK is deployed', default: '/opt/cloudlet-tasks' },
  force: { type: 'boolean', help: 'go on with an unsupported OS release' },
} as const satisfies OptionSpecs;

/** The settings of the install steps for this host, from the options (the VM user defaults to the login user). */
export function installSettings(ctx: Pick<TaskContext, 'host'>, options: OptionValues<typeof INSTALL_OPTIONS>, disableEpt: boolean): InstallSettings {
  return {
    user: options['vm-user'] ?? ctx.host.user,
    minRamMiB: options['min-ram-mb'],
    minDiskGiB: options['min-disk-gb'],
    prefix: options.prefix,
    force: options.force === true,
    disableEpt,
  };
}

function outcome(reports: readonly StepReport[]): { steps: Record<string, string>; verdict: string } {
  const steps = Object.fromEntries(reports.map((report) => [report.step, report.status]));
  const verdict = reports.find((report) => report.step === 'verify')?.detail.split(':')[0] ?? 'unknown';
  return { steps, verdict };
}

/** `check` found a host that cannot synthesize VMs yet. */
export class HostNotReadyError extends RunnerError {
  static override readonly code: string = 'host-not-ready';
  override readonly category = 'task';
  constructor(
    readonly host: string,
    readonly problems: readonly string[],
  ) {
    super(`${host}: not ready for VM synthesis: ${problems.join('; ') || 'cloudlet doctor did not run'}`);
  }
}

/** What `check` runs: the read-only steps. */
export const CHECK_STEPS: readonly Step<unknown, InstallSettings>[] = [preflight, verify] as Step<unknown, InstallSettings>[];

export const INSTALL_STEPS: readonly Step<unknown, InstallSettings>[] = [preflight, packages, appArmor, groups, fuse, ept, libvirtService, deploySdk, verify] as Step<unknown, InstallSettings>[];

export const installTask = defineTask({
  name: 'install',
  help: 'make hosts cloudlets: packages, AppArmor, groups, FUSE, EPT, libvirt, the SDK, then verify',
  options: { ...INSTALL_OPTIONS, 'disable-ept': { type: 'boolean', help: 'turn EPT off on Intel hosts (kvm_intel ept=0)' } },
  async body(ctx) {
    const reports = await applySteps(ctx, INSTALL_STEPS, installSettings(ctx, ctx.options, ctx.options['disable-ept'] === true));
    return outcome(reports);
  },
});

/**
 * Deploys this operator's SDK build on the host (the deploy-sdk step alone, with sudo): what the
 * remote tasks' `--deploy` does for a host that runs another build.
 */
export async function deployOnly(ctx: TaskContext, prefix: string): Promise<void> {
  await applySteps(ctx, [deploySdk] as Step<unknown, InstallSettings>[], { user: ctx.host.user, minRamMiB: 0, minDiskGiB: 0, prefix, force: false, disableEpt: false });
}

export const checkTask = defineTask({
  name: 'check',
  help: 'check hosts without changing them: preflight facts and the cloudlet doctor verdict (fails when not ready)',
  options: INSTALL_OPTIONS,
  async body(ctx) {
    const reports = await applySteps(ctx, CHECK_STEPS, installSettings(ctx, ctx.options, false));
    const verdict = reports.find((report) => report.step === 'verify');
    if (verdict && !verdict.detail.startsWith('READY')) {
      throw new HostNotReadyError(ctx.host.name, [verdict.detail.replace(/^NOT READY: /, '')]);
    }
    return Object.fromEntries(reports.map((report) => [report.step, report.detail]));
  },
});
