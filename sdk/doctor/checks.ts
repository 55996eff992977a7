// What a cloudlet host needs, checked the way the SDK will use it: /dev/kvm opened for
// real (TCG otherwise), QEMU and qemu-img, libvirt's client and daemon, FUSE usable by
// this user (fuse-native loaded: early start needs it), and free space where VMs are kept. Where the verdict needs judgement, a pure
// function judges gathered facts, so the judgement is tested without the machine.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readFile, statfs } from 'node:fs/promises';
import { promisify } from 'node:util';
import { loadFuse } from '../../native/fuse/index.js';

/** The verdict of one doctor check. */
export type CheckLevel = 'ok' | 'warn' | 'fail';

/** One check of doctor: its name, verdict, detail and, when it did not pass, the fix. */
export interface DoctorCheck {
  readonly name: string;
  readonly level: CheckLevel;
  readonly detail: string;
  /** What to do about a warning or failure: a short imperative clause, e.g. `start it: sudo systemctl start libvirtd`. */
  readonly fix?: string;
}

export const run = promisify(execFile);

/** The first line a program prints, or null when it is missing or fails. */
export async function firstLine(file: string, args: readonly string[]): Promise<string | null> {
  try {
    const { stdout } = await run(file, args, { timeout: 10_000 });
    return stdout.split('\n')[0]!.trim();
  } catch {
    return null;
  }
}

export async function checkAcceleration(): Promise<DoctorCheck> {
  // /dev/kvm alone is not enough: paravirtual KVM modules (kvm_pvm) open fine but cannot run stock guests.
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8').catch(() => '');
  if (!/^flags\s*:.*\b(vmx|svm)\b/m.test(cpuinfo)) {
    return { name: 'acceleration', level: 'warn', detail: 'TCG emulation (the CPU shows no vmx/svm flag); VMs run many times slower', fix: 'enable VT-x/AMD-V (nested virtualization on a VM host)' };
  }
  try {
    const handle = await open('/dev/kvm', 'r+');
    await handle.close();
    return { name: 'acceleration', level: 'ok', detail: 'KVM (/dev/kvm opens read-write)' };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? '/dev/kvm is missing' : code === 'EACCES' ? 'no permission on /dev/kvm' : `/dev/kvm: ${code}`;
    const fix = code === 'EACCES' ? 'join the kvm group and log in again' : 'enable VT-x/AMD-V and load the kvm module';
    return { name: 'acceleration', level: 'warn', detail: `TCG emulation (${why}); VMs run many times slower`, fix };
  }
}

/** QEMU and qemu-img from the first line of their `--version` (null: not installed). */
export function qemuChecks(qemu: string | null, img: string | null): DoctorCheck[] {
  const version = (line: string): string => /version ([\d.]+)/.exec(line)?.[1] ?? 'unknown';
  return [
    qemu
      ? { name: 'qemu', level: 'ok', detail: `QEMU ${version(qemu)}` }
      : { name: 'qemu', level: 'fail', detail: 'qemu-system-x86_64 not found', fix: 'install it: sudo apt-get install qemu-system-x86 (or run cloudlet-tasks install)' },
    img
      ? { name: 'qemu-img', level: 'ok', detail: `qemu-img ${version(img)}` }
      : { name: 'qemu-img', level: 'fail', detail: 'qemu-img not found', fix: 'install it: sudo apt-get install qemu-utils' },
  ];
}

export async function checkQemu(): Promise<DoctorCheck[]> {
  return qemuChecks(await firstLine('qemu-system-x86_64', ['--version']), await firstLine('qemu-img', ['--version']));
}

export interface FuseFacts {
  /** fuse-native loads (it needs libfuse.so.2, from the fuse package); else why not. */
  readonly module: { loads: true } | { loads: false; reason: string };
  /** /dev/fuse opens read-write for this user. */
  readonly deviceUsable: boolean;
  /** fusermount or fusermount3, as found on PATH; null when neither is. */
  readonly fusermount: string | null;
  /** /etc/fuse.conf has an active user_allow_other line. */
  readonly userAllowOther: boolean;
  /** Running as root, who needs no user_allow_other to let QEMU's user read an early-started VM's disk. */
  readonly root: boolean;
}

/** Early start serves VM disks through FUSE: a host where it cannot is not ready. */
export function fuseCheck(facts: FuseFacts): DoctorCheck {
  const problems = [
    ...(facts.module.loads ? [] : [`fuse-native does not load (${facts.module.reason})`]),
    ...(facts.deviceUsable ? [] : ['/dev/fuse is not read-write for this user']),
    ...(facts.fusermount ? [] : ['fusermount is missing']),
    ...(facts.userAllowOther || facts.root ? [] : ['user_allow_other is off in /etc/fuse.conf']),
  ];
  if (problems.length > 0) {
    return { name: 'fuse', level: 'fail', detail: `early start needs it: ${problems.join('; ')}`, fix: 'set it up: cloudlet-tasks install (or apt-get install fuse, and npm install fuse-native@2.2.6 where the SDK runs)' };
  }
  return { name: 'fuse', level: 'ok', detail: `usable (fuse-native loads, /dev/fuse, ${facts.fusermount}${facts.root ? '' : ', user_allow_other'})` };
}

function fuseModule(): FuseFacts['module'] {
  try {
    loadFuse();
    return { loads: true };
  } catch (error) {
    return { loads: false, reason: error instanceof Error ? error.message.split('\n')[0]! : String(error) };
  }
}

export async function checkFuse(): Promise<DoctorCheck> {
  const module = fuseModule();
  const deviceUsable = await access('/dev/fuse', constants.R_OK | constants.W_OK).then(() => true, () => false);
  const fusermount = (await firstLine('sh', ['-c', 'command -v fusermount || command -v fusermount3'])) || null;
  const conf = await readFile('/etc/fuse.conf', 'utf8').catch(() => '');
  return fuseCheck({ module, deviceUsable, fusermount, userAllowOther: /^\s*user_allow_other\s*$/m.test(conf), root: process.getuid?.() === 0 });
}

export async function checkSpace(dir: string, minGiB: number): Promise<DoctorCheck> {
  let path = dir;
  for (;;) {
    try {
      const stats = await statfs(path);
      const free = (stats.bavail * stats.bsize) / 2 ** 30;
      const detail = `${free.toFixed(1)} GiB free for ${dir}`;
      return free >= minGiB ? { name: 'space', level: 'ok', detail } : { name: 'space', level: 'warn', detail, fix: `free space: VMs need at least ${minGiB} GiB` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || path === '/') throw error;
      path = path.slice(0, path.lastIndexOf('/')) || '/';
    }
  }
}
