// Step 5: FUSE for synthesis. /etc/fuse.conf allows `allow_other` (user_allow_other) and is
// 0644; /dev/fuse is usable by the user now (chmod) and after reboot (a udev rule).
import { sh } from '../../command/command.js';
import { defineStep, type InstallSettings, type Action, type Plan } from '../step.js';

export interface FuseFacts {
  /** null when the file does not exist. */
  readonly fuseConf: string | null;
  readonly fuseConfMode: string;
  readonly udevRule: string | null;
  /** Octal mode of /dev/fuse, null when missing. */
  readonly deviceMode: string | null;
}

export const FUSE_CONF = '/etc/fuse.conf';
export const UDEV_RULE = '/etc/udev/rules.d/60-cloudlet-fuse.rules';
const RULE = 'KERNEL=="fuse", MODE="0666"\n';

/** fuse.conf with `user_allow_other` active: a commented line is enabled, else one is added. */
export function enableUserAllowOther(content: string): string {
  if (/^[ \t]*user_allow_other[ \t]*$/m.test(content)) return content;
  const commented = /^[ \t]*#[ \t]*user_allow_other[ \t]*$/m;
  if (commented.test(content)) return content.replace(commented, 'user_allow_other');
  const base = content === '' || content.endsWith('\n') ? content : `${content}\n`;
  return `${base}user_allow_other\n`;
}

export function planFuse(facts: FuseFacts): Plan {
  const actions: Action[] = [];
  const notes: string[] = [];
  const conf = enableUserAllowOther(facts.fuseConf ?? '');
  if (conf !== facts.fuseConf || facts.fuseConfMode !== '644') {
    actions.push({ kind: 'file', description: `${FUSE_CONF}: user_allow_other, mode 0644`, path: FUSE_CONF, content: conf, mode: '0644' });
  }
  if (facts.udevRule !== RULE) {
    actions.push({ kind: 'file', description: `udev rule ${UDEV_RULE} (/dev/fuse 0666 after reboot)`, path: UDEV_RULE, content: RULE, mode: '0644' });
  }
  if (facts.deviceMode === null) notes.push('/dev/fuse is missing: load the fuse module (modprobe fuse)');
  else if (facts.deviceMode !== '666') actions.push({ kind: 'command', description: 'chmod 0666 /dev/fuse', command: sh`chmod 0666 /dev/fuse` });
  if (actions.length === 0) return { kind: 'unchanged', reason: 'user_allow_other is on, /dev/fuse is 0666 now and after reboot', notes };
  return { kind: 'change', actions, notes };
}

export const fuse = defineStep<FuseFacts, InstallSettings>({
  name: 'fuse',
  title: 'FUSE',
  async gather(ctx) {
    const read = async (path: string): Promise<string | null> => {
      const result = await ctx.run(sh`cat ${path}`, { check: false, quiet: true });
      return result.exitCode === 0 ? result.stdout : null;
    };
    const mode = async (path: string): Promise<string | null> => {
      const result = await ctx.run(sh`stat -L -c %a ${path}`, { check: false, quiet: true });
      return result.exitCode === 0 ? result.stdout.trim() : null;
    };
    return { fuseConf: await read(FUSE_CONF), fuseConfMode: (await mode(FUSE_CONF)) ?? '', udevRule: await read(UDEV_RULE), deviceMode: await mode('/dev/fuse') };
  },
  plan: planFuse,
});
