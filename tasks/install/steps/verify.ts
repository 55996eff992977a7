// Step 9: ask the deployed `cloudlet doctor` (as the user who will run VMs) what works:
// KVM or TCG, QEMU, libvirt, FUSE, free space. It changes nothing; its verdict is reported.
import { sh } from '../../command/command.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';
import { WRAPPER_PATH } from './deploy-sdk.js';

interface DoctorCheck {
  readonly name: string;
  readonly level: 'ok' | 'warn' | 'fail';
  readonly detail: string;
  readonly fix?: string;
}

export interface VerifyFacts {
  /** null when `cloudlet` is not on the host. */
  readonly report: { readonly accel: string; readonly ok: boolean; readonly checks: readonly DoctorCheck[] } | null;
  readonly error?: string;
}

export function planVerify(facts: VerifyFacts): Plan {
  if (!facts.report) return { kind: 'unchanged', reason: `NOT READY: cloudlet doctor did not run (${facts.error ?? 'not deployed'}) — run cloudlet-tasks install` };
  const { report } = facts;
  const width = Math.max(...report.checks.map((check) => check.name.length));
  const details = report.checks.map((check) => `${check.level === 'ok' ? 'ok  ' : check.level.toUpperCase()}  ${check.name.padEnd(width)}  ${check.detail}`);
  const said = (check: DoctorCheck): string => `${check.name}: ${check.detail}${check.fix ? ` — ${check.fix}` : ''}`;
  const notes = report.checks.filter((check) => check.level === 'warn').map((check) => `WARN ${said(check)}`);
  const failed = report.checks.filter((check) => check.level === 'fail');
  const verdict = report.ok ? 'READY' : `NOT READY: ${failed.map(said).join('; ') || 'cloudlet doctor says so'}`;
  return { kind: 'unchanged', reason: `${verdict} (${report.accel.toUpperCase()})`, notes, details };
}

export const verify = defineStep<VerifyFacts, InstallSettings>({
  name: 'verify',
  title: 'Verify',
  reportOnly: true,
  async gather(ctx, settings: InstallSettings) {
    const command = sh`${WRAPPER_PATH} doctor --json`;
    const result = settings.user === ctx.host.user ? await ctx.run(command, { check: false, quiet: true }) : await ctx.sudo(command, { user: settings.user, check: false, quiet: true });
    try {
      return { report: JSON.parse(result.stdout) as VerifyFacts['report'] };
    } catch {
      return { report: null, error: result.exitCode === 127 ? `${WRAPPER_PATH} not found` : (result.stderr.trim().split('\n')[0] ?? `exit code ${result.exitCode}`) };
    }
  },
  plan: planVerify,
});
