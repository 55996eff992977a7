// Step 3: AppArmor. The original put libvirtd's profile in complain mode, which turns
// confinement off for every VM. We keep libvirt's profiles enforcing and only allow the
// directories our VM files live in, through the local include of the libvirt-qemu
// abstraction that every VM's generated profile loads.
import { sh } from '../../command/command.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';
import { replaceManagedBlock } from './managed-block.js';

export interface AppArmorFacts {
  readonly enabled: boolean;
  /** Content of the local include, '' when missing. */
  readonly localInclude: string;
}

export const LOCAL_INCLUDE = '/etc/apparmor.d/local/abstractions/libvirt-qemu';
const RULES = ['/var/lib/cloudlet/** rwk,', 'owner @{HOME}/.cloudlet/** rwk,', '/var/tmp/cloudlet-*/** rwk,'];

export function planAppArmor(facts: AppArmorFacts): Plan {
  if (!facts.enabled) return { kind: 'skipped', reason: 'AppArmor is not enabled on this host' };
  const wanted = replaceManagedBlock(facts.localInclude, RULES);
  if (wanted === facts.localInclude) return { kind: 'unchanged', reason: `${LOCAL_INCLUDE} allows the cloudlet directories; profiles stay enforcing` };
  return {
    kind: 'change',
    actions: [{ kind: 'file', description: `allow cloudlet VM files in ${LOCAL_INCLUDE}`, path: LOCAL_INCLUDE, content: wanted, mode: '0644' }],
    notes: ["libvirt's AppArmor profiles stay in enforce mode; new VMs pick up the rules when they start"],
  };
}

export const appArmor = defineStep<AppArmorFacts, InstallSettings>({
  name: 'apparmor',
  title: 'AppArmor',
  async gather(ctx) {
    const probe = await ctx.run(sh`cat /sys/module/apparmor/parameters/enabled 2>/dev/null; true`, { quiet: true });
    const enabled = probe.stdout.trim() === 'Y';
    const include = enabled ? await ctx.run(sh`cat ${LOCAL_INCLUDE} 2>/dev/null; true`, { quiet: true }) : { stdout: '' };
    return { enabled, localInclude: include.stdout };
  },
  plan: planAppArmor,
});
