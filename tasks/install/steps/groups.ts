// Step 4: the user who runs VMs joins `kvm` (to open /dev/kvm) and `libvirt` (`libvirtd`
// on old releases) to talk to the system libvirtd, and on Debian `libvirt-qemu`, the group QEMU
// runs as there (Ubuntu runs it as kvm): a VM's console socket is QEMU's, group-writable only, and
// `cloudlet overlay` types on it. Takes effect at the next login.
import { sh } from '../../command/command.js';
import { defineStep, HostRefused, type InstallSettings, type Plan } from '../step.js';

export interface GroupFacts {
  readonly userExists: boolean;
  readonly userGroups: readonly string[];
  /** Which of kvm, libvirt, libvirtd, libvirt-qemu exist on the host. */
  readonly existingGroups: readonly string[];
}

export function planGroups(facts: GroupFacts, settings: InstallSettings): Plan {
  if (!facts.userExists) throw new HostRefused(`user '${settings.user}' does not exist on the host (--vm-user)`);
  const libvirtGroup = !facts.existingGroups.includes('libvirt') && facts.existingGroups.includes('libvirtd') ? 'libvirtd' : 'libvirt';
  const wanted = ['kvm', libvirtGroup];
  const qemuGroup = facts.existingGroups.includes('libvirt-qemu') ? ['libvirt-qemu'] : [];
  const actions = wanted
    .filter((group) => !facts.existingGroups.includes(group))
    .map((group) => ({ kind: 'command' as const, description: `create group ${group}`, command: sh`groupadd --system ${group}` }));
  const join = [...wanted, ...qemuGroup].filter((group) => !facts.userGroups.includes(group));
  if (join.length === 0 && actions.length === 0) return { kind: 'unchanged', reason: `${settings.user} is in ${[...wanted, ...qemuGroup].join(', ')}` };
  actions.push({ kind: 'command', description: `add ${settings.user} to ${join.join(', ')}`, command: sh`usermod -aG ${join.join(',')} ${settings.user}` });
  return {
    kind: 'change',
    actions,
    notes: [`${settings.user} must log in again (or run 'newgrp ${join[0]}') for the new groups to take effect`],
  };
}

export const groups = defineStep<GroupFacts, InstallSettings>({
  name: 'groups',
  title: 'KVM and libvirt groups',
  async gather(ctx, settings) {
    const user = await ctx.run(sh`id -nG ${settings.user}`, { check: false, quiet: true });
    const existing = await ctx.run(sh`getent group kvm libvirt libvirtd libvirt-qemu | cut -d: -f1`, { check: false, quiet: true });
    return {
      userExists: user.exitCode === 0,
      userGroups: user.stdout.trim().split(/\s+/).filter(Boolean),
      existingGroups: existing.stdout.trim().split('\n').filter(Boolean),
    };
  },
  plan: planGroups,
});
