// Step 7: libvirtd running and enabled at boot, through systemd where the host has it.
import { sh } from '../../command/command.js';
import { initSystem, type InitSystem } from '../../facts/host-resources.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';

export interface LibvirtServiceFacts {
  readonly init: InitSystem;
  readonly enabled: boolean;
  readonly active: boolean;
}

export function planLibvirtService(facts: LibvirtServiceFacts): Plan {
  if (facts.init !== 'systemd') {
    if (facts.active) return { kind: 'unchanged', reason: 'libvirtd runs (no systemd here: keep it in your init system)' };
    return {
      kind: 'skipped',
      reason: "no systemd on this host: start libvirt yourself ('virtlogd -d && libvirtd -d') and add it to the host's init system",
    };
  }
  if (facts.enabled && facts.active) return { kind: 'unchanged', reason: 'libvirtd is active and enabled' };
  return { kind: 'change', actions: [{ kind: 'command', description: 'systemctl enable --now libvirtd', command: sh`systemctl enable --now libvirtd` }] };
}

export const libvirtService = defineStep<LibvirtServiceFacts, InstallSettings>({
  name: 'libvirt',
  title: 'libvirt service',
  async gather(ctx) {
    const init = await ctx.fact(initSystem);
    if (init !== 'systemd') {
      const running = await ctx.run(sh`pgrep -x libvirtd`, { check: false, quiet: true });
      return { init, enabled: false, active: running.exitCode === 0 };
    }
    const enabled = await ctx.run(sh`systemctl is-enabled libvirtd`, { check: false, quiet: true });
    const active = await ctx.run(sh`systemctl is-active libvirtd`, { check: false, quiet: true });
    return { init, enabled: enabled.stdout.trim() === 'enabled', active: active.stdout.trim() === 'active' };
  },
  plan: planLibvirtService,
});
