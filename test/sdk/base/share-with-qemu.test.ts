import assert from 'node:assert/strict';
import { execa } from 'execa';
import { execFileSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SHARED_DISK_MODE, shareWithQemu } from '../../../sdk/base/index.js';

const NOBODY = 65534;
// QEMU's group, as the libvirt package made it.
const QEMU_GID = Number(execFileSync('getent', ['group', 'libvirt-qemu'], { encoding: 'utf8' }).split(':')[2]);
const module = fileURLToPath(new URL('../../../sdk/base/index.js', import.meta.url));

/** shareWithQemu run as `nobody` (no supplementary groups): the error code it ends with, or 'ok'. */
async function asNobody(path: string, gid: number): Promise<string> {
  const script = `import(${JSON.stringify(module)}).then((m) => m.shareWithQemu(${JSON.stringify(path)}, ${gid})).then(() => console.log('ok'), (e) => console.log(e.code, e.message))`;
  const run = await execa('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, '-e', script], { reject: false });
  assert.equal(run.exitCode, 0, run.stderr);
  return run.stdout;
}

describe('shareWithQemu', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp('/var/tmp/cloudlet-share-');
    await chmod(dir, 0o711);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it("gives the disk to QEMU's group, readable and no more, and changes nothing the second time", async () => {
    const disk = join(dir, 'disk.raw');
    await writeFile(disk, 'base', { mode: 0o600 });
    await shareWithQemu(disk, QEMU_GID);
    const shared = await stat(disk);
    assert.deepEqual([shared.uid, shared.gid, shared.mode & 0o777], [0, QEMU_GID, SHARED_DISK_MODE]);
    await shareWithQemu(disk, QEMU_GID);
    assert.equal((await stat(disk)).ctimeMs, shared.ctimeMs, 'not touched again');
  });

  it('refuses to follow a symlink planted for the disk', async () => {
    const target = join(dir, 'elsewhere');
    await writeFile(target, 'x', { mode: 0o600 });
    await symlink(target, join(dir, 'link.raw'));
    await assert.rejects(shareWithQemu(join(dir, 'link.raw'), QEMU_GID), { code: 'ELOOP' });
    assert.equal((await stat(target)).gid, 0);
  });

  it("says to take back a disk that is not the user's (relabeled by libvirt earlier), and to join the group when not in it", async () => {
    const foreign = join(dir, 'foreign.raw');
    await writeFile(foreign, 'x', { mode: 0o600 });
    await chown(foreign, QEMU_GID, QEMU_GID);
    assert.match(await asNobody(foreign, QEMU_GID), new RegExp(`^base-disk-not-shareable .* belongs to uid ${QEMU_GID}, not to this user.*sudo chown "\\$\\(id -un\\):"`));

    const own = join(dir, 'own.raw');
    await writeFile(own, 'x', { mode: 0o600 });
    await chown(own, NOBODY, NOBODY);
    assert.match(await asNobody(own, QEMU_GID), /^base-disk-not-shareable cannot give .* to QEMU's group libvirt-qemu \(gid \d+\): this user is not in it; add it \(sudo usermod -aG libvirt-qemu/);
    const unchanged = await stat(own);
    assert.deepEqual([unchanged.gid, unchanged.mode & 0o777], [NOBODY, 0o600]);
    assert.equal(await asNobody(own, NOBODY), 'ok', 'its own group is one it may give');
  });
});
