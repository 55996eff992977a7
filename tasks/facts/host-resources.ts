// Facts the cloudlet install needs beyond the basics: /dev/kvm, free disk space, init system.
import { sh } from '../command/command.js';
import { defineFact } from './fact.js';

export interface KvmDevice {
  readonly exists: boolean;
  /** The login user can open it read-write (test -r -w). */
  readonly usable: boolean;
}

export const kvmDevice = defineFact({
  name: 'kvm-device',
  command: sh`if [ -c /dev/kvm ]; then echo exists; [ -r /dev/kvm ] && [ -w /dev/kvm ] && echo usable; fi; true`,
  parse: (stdout): KvmDevice => ({ exists: /^exists$/m.test(stdout), usable: /^usable$/m.test(stdout) }),
});

/** Free space in MiB of the file system holding `path` (its nearest existing parent). */
export function diskFree(path: string) {
  return defineFact({
    name: `disk-free:${path}`,
    command: sh`p=${path}; while [ ! -e "$p" ]; do p=$(dirname "$p"); done; df -Pk "$p" | tail -n 1`,
    parse: (stdout): number => Math.floor(Number(stdout.trim().split(/\s+/)[3] ?? 0) / 1024),
  });
}

export type InitSystem = 'systemd' | 'other';

export const initSystem = defineFact({
  name: 'init-system',
  command: sh`[ -d /run/systemd/system ] && echo systemd || echo other`,
  parse: (stdout): InitSystem => (stdout.trim() === 'systemd' ? 'systemd' : 'other'),
});
