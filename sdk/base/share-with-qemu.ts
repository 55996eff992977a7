/**
 * A base disk used as the read-only backing file of VM layers (a customized VM's qcow2 over
 * disk.raw) is shared with QEMU through its group, and libvirt is told not to relabel it
 * (`<seclabel model='dac' relabel='no'/>` on the backing store, sdk/vm/domain-xml.ts). Left to
 * libvirt, the base's disk would be chowned to QEMU's user while the VM runs and, since libvirt
 * never restores the labels of read-only images, stay so: the user who owns the base could no
 * longer read it (synthesis, the next overlay). Group read for QEMU's group is the least that
 * works; the other base files stay 0600.
 */
import { constants, readFileSync } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { BaseDiskNotShareableError } from './errors.js';

/** Owner read-write, QEMU's group read. */
export const SHARED_DISK_MODE = 0o640;

/**
 * Makes `path` (a base disk of this user's) group-owned by `qemuGid` and 0640; nothing to do when
 * that group can read it already and nobody else can (an early-started VM's lazy disk: 0440 on FUSE).
 *
 * @example await shareWithQemu(base.files.disk, (await qemuDacLabel(uri, 'qemu'))!.gid);
 */
export async function shareWithQemu(path: string, qemuGid: number): Promise<void> {
  const info = await lstat(path);
  if (info.gid === qemuGid && (info.mode & 0o077) === 0o040) return;
  const uid = process.getuid?.() ?? 0;
  if (uid !== 0 && info.uid !== uid) throw new BaseDiskNotShareableError(path, 'not-owner', info.uid, qemuGid, groupName(qemuGid));
  const file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    try {
      await file.chown(info.uid, qemuGid);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EPERM') throw error;
      throw new BaseDiskNotShareableError(path, 'not-in-group', info.uid, qemuGid, groupName(qemuGid));
    }
    await file.chmod(SHARED_DISK_MODE);
  } finally {
    await file.close();
  }
}

/** The group's name from /etc/group, for messages; the number where it has none. */
function groupName(gid: number): string {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((entry) => entry.split(':')[2] === String(gid));
    return line?.split(':')[0] || String(gid);
  } catch {
    return String(gid);
  }
}
