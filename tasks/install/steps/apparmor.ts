// Step 3: AppArmor. All QEMUs run as the same user (libvirt-qemu), so AppArmor is the only wall
// between VMs. libvirt builds it per VM: each domain runs under its own profile, libvirt-<uuid>,
// whose files virt-aa-helper lists from the domain XML (disk and its backing files, console file
// or socket) and extends with the save image a save writes or a restore reads. Every file our VMs
// use is reached that way (sdk/vm/domain-xml.ts), so this step adds nothing: it takes out the
// global allow of our directories that earlier releases put in the libvirt-qemu abstraction's
// local include (it let any VM's QEMU reach every VM's disks and memory, and named /var/tmp paths
// anyone can create), reloads the profiles of running VMs so they lose it too, and says so when
// libvirt would not confine VMs at all.
import { sh } from '../../command/command.js';
import { defineStep, type Action, type InstallSettings, type Plan } from '../step.js';
import { removeManagedBlock } from './managed-block.js';

export interface AppArmorFacts {
  readonly enabled: boolean;
  /** Content of the local include, '' when missing. */
  readonly localInclude: string;
  /** The kernel's loaded profiles, one `name (mode)` a line (/sys/kernel/security/apparmor/profiles); null when unreadable. */
  readonly loadedProfiles: string | null;
  /** The lines of /etc/libvirt/qemu.conf that set security_driver or security_default_confined. */
  readonly qemuConfSecurity: readonly string[];
}

export const LOCAL_INCLUDE = '/etc/apparmor.d/local/abstractions/libvirt-qemu';
const VM_PROFILES = '/etc/apparmor.d/libvirt';
const VM_PROFILE = /^(libvirt-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}) \((?:enforce|complain)\)$/;
/** libvirt's AppArmor driver turns itself off unless the daemon runs under its own profile. */
const DAEMON_PROFILE = /^(?:\/usr\/sbin\/)?(?:libvirtd|virtqemud) \((enforce|complain)\)$/;

export function planAppArmor(facts: AppArmorFacts): Plan {
  if (!facts.enabled) return { kind: 'skipped', reason: 'AppArmor is not enabled on this host' };
  const notes = confinementWarnings(facts);
  const wanted = removeManagedBlock(facts.localInclude);
  if (wanted === facts.localInclude) {
    return { kind: 'unchanged', reason: 'no global allow of cloudlet files: libvirt confines each VM to its own files (profile libvirt-<uuid>)', notes };
  }
  const actions: Action[] = [{ kind: 'file', description: `remove the global allow of cloudlet files from ${LOCAL_INCLUDE}`, path: LOCAL_INCLUDE, content: wanted, mode: '0644' }];
  const running = runningVmProfiles(facts.loadedProfiles ?? '');
  if (running.length > 0) {
    const files = running.map((profile) => `${VM_PROFILES}/${profile}`);
    actions.push({
      kind: 'command',
      description: `reload the AppArmor profiles of ${running.length} running VM(s) without it`,
      // A profile without its file (removed by hand) cannot be rebuilt; it goes when its VM stops.
      command: sh`for profile in ${files}; do [ ! -f "$profile" ] || apparmor_parser -r "$profile" || exit 1; done`,
    });
  }
  return { kind: 'change', actions, notes: [...notes, 'each VM is confined to its own disk, console and save image by libvirt (profile libvirt-<uuid>)'] };
}

/** Names of the per-VM profiles libvirt has loaded: one per running domain. */
function runningVmProfiles(loaded: string): string[] {
  return loaded.split('\n').flatMap((line) => VM_PROFILE.exec(line.trim())?.slice(1, 2) ?? []);
}

/** What would leave VMs unconfined, or confined only in complain mode, each with its fix. */
function confinementWarnings(facts: AppArmorFacts): string[] {
  const warnings: string[] = [];
  const daemon = facts.loadedProfiles?.split('\n').map((line) => DAEMON_PROFILE.exec(line.trim())?.[1]).find((mode) => mode !== undefined);
  if (facts.loadedProfiles !== null && daemon === undefined) warnings.push("libvirtd's AppArmor profile is not loaded, so libvirt confines no VM: sudo apparmor_parser -r /etc/apparmor.d/usr.sbin.libvirtd && sudo systemctl restart libvirtd");
  else if (daemon === 'complain') warnings.push("libvirtd's AppArmor profile is in complain mode (the original cloudlet set it so): sudo aa-enforce /usr/sbin/libvirtd");
  for (const line of facts.qemuConfSecurity) {
    if (/^\s*security_driver\s*=\s*\[?\s*"none"/.test(line) || /^\s*security_default_confined\s*=\s*0\b/.test(line)) {
      warnings.push(`/etc/libvirt/qemu.conf has "${line.trim()}": VMs run unconfined; remove it and restart libvirtd`);
    }
  }
  return warnings;
}

export const appArmor = defineStep<AppArmorFacts, InstallSettings>({
  name: 'apparmor',
  title: 'AppArmor',
  async gather(ctx) {
    const probe = await ctx.run(sh`cat /sys/module/apparmor/parameters/enabled 2>/dev/null; true`, { quiet: true });
    const enabled = probe.stdout.trim() === 'Y';
    if (!enabled) return { enabled, localInclude: '', loadedProfiles: null, qemuConfSecurity: [] };
    const include = await ctx.run(sh`cat ${LOCAL_INCLUDE} 2>/dev/null; true`, { quiet: true });
    // Both are root's to read.
    const profiles = await ctx.sudo(sh`cat /sys/kernel/security/apparmor/profiles`, { quiet: true, check: false });
    const qemuConf = await ctx.sudo(sh`grep -E '^[[:space:]]*(security_driver|security_default_confined)[[:space:]]*=' /etc/libvirt/qemu.conf; true`, { quiet: true });
    return { enabled, localInclude: include.stdout, loadedProfiles: profiles.exitCode === 0 ? profiles.stdout : null, qemuConfSecurity: qemuConf.stdout.split('\n').filter((line) => line.trim() !== '') };
  },
  plan: planAppArmor,
});
