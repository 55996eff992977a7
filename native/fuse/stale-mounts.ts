/**
 * Our FUSE mounts as the kernel lists them (/proc/self/mountinfo), and taking one down for good
 * whatever state its server is in. A server killed with -9 leaves its mount behind, and every
 * access to it then fails with ENOTCONN (or hangs, if the server is stopped rather than dead):
 * aborting the connection (/sys/fs/fuse/connections/<minor>/abort) fails whatever is pending, and a
 * lazy unmount detaches the mount even while something still holds it open (a QEMU being killed).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { execa } from 'execa';
import { isAlive } from '../../sdk/scratch/index.js';
import { missingTool } from '../host-tool.js';
import { FuseUnmountError } from './errors.js';
import { FUSE_FSNAME_PREFIX, FUSE_SUBTYPE } from './mount-name.js';

/** One of our mounts: its mount point, the kernel's connection number, and the pid that served it. */
export interface OurFuseMount {
  dir: string;
  connection: number;
  pid: number;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
const unescape = (field: string): string => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/**
 * Our mounts (fuse.cloudlet, named cloudlet-lazy-disk:<pid>) in mountinfo's text.
 *
 * @example parseOurMounts(await readFile('/proc/self/mountinfo', 'utf8'))
 */
export function parseOurMounts(mountinfo: string): OurFuseMount[] {
  const mounts: OurFuseMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [before, after] = line.split(' - ');
    if (before === undefined || after === undefined) continue;
    const fields = before.split(' ');
    const [type, source] = after.split(' ');
    if (type !== `fuse.${FUSE_SUBTYPE}` || !source?.startsWith(FUSE_FSNAME_PREFIX)) continue;
    const minor = Number(fields[2]?.split(':')[1]);
    const pid = Number(source.slice(FUSE_FSNAME_PREFIX.length));
    if (fields[4] === undefined || !Number.isSafeInteger(minor) || !Number.isSafeInteger(pid)) continue;
    mounts.push({ dir: unescape(fields[4]), connection: minor, pid });
  }
  return mounts;
}

/** Our mounts now. */
export async function listOurMounts(): Promise<OurFuseMount[]> {
  return parseOurMounts(await readFile('/proc/self/mountinfo', 'utf8'));
}

/**
 * Aborts the mount's connection (pending and later requests fail at once) and detaches it lazily.
 *
 * @example for (const mount of await listOurMounts()) if (dead(mount.pid)) await forceUnmount(mount);
 */
export async function forceUnmount(mount: OurFuseMount): Promise<void> {
  // Absent when the connection is gone already; the unmount below still detaches the mount point.
  await writeFile(`/sys/fs/fuse/connections/${mount.connection}/abort`, '1').catch(() => undefined);
  try {
    await execa('fusermount', ['-u', '-z', '--', mount.dir]);
  } catch (error) {
    const stillThere = (await listOurMounts()).some((m) => m.dir === mount.dir);
    if (!stillThere) return;
    throw missingTool(error, 'fusermount') ?? new FuseUnmountError(mount.dir, (error as { stderr?: string }).stderr?.trim() || String(error), { cause: error });
  }
}

/**
 * Takes down the mounts whose serving process is gone (kill -9, a crash); returns their mount points.
 *
 * @example const swept = await sweepStaleMounts();
 */
export async function sweepStaleMounts(): Promise<string[]> {
  const swept: string[] = [];
  for (const mount of await listOurMounts()) {
    if (isAlive(mount.pid)) continue;
    await forceUnmount(mount);
    swept.push(mount.dir);
  }
  return swept;
}
