import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createPrivateFile, FileInTheWayError, writePrivateFile } from '../../../sdk/files/index.js';
import { otherUserCanRead } from '../../fixtures/other-user.js';

describe('createPrivateFile and writePrivateFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp('/var/tmp/private-file-');
    // Others may traverse, as in the cloudlet directory: only the file's mode keeps them out.
    await chmod(dir, 0o711);
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('makes a file only its owner can read, whatever the umask', async () => {
    const path = join(dir, 'memory.pages');
    const umask = process.umask(0);
    try {
      await writePrivateFile(path, 'guest RAM');
    } finally {
      process.umask(umask);
    }
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await otherUserCanRead(path), false, 'another user cannot read it');
  });

  it('gives exactly the mode asked for, for files meant to be shared', async () => {
    const path = join(dir, 'shared.zip');
    const file = await createPrivateFile(path, { mode: 0o644 });
    await file.close();
    assert.equal((await stat(path)).mode & 0o777, 0o644);
    assert.equal(await otherUserCanRead(path), true);
  });

  it('refuses an existing file and never writes through a planted symlink', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious');
    const planted = join(dir, 'planted.partial');
    await symlink(victim, planted);
    const dangling = join(dir, 'dangling.partial');
    await symlink(join(dir, 'would-be-created'), dangling);
    for (const path of [victim, planted, dangling]) {
      await assert.rejects(writePrivateFile(path, 'attack'), (error: unknown) => {
        assert.ok(error instanceof FileInTheWayError);
        assert.equal(error.path, path);
        assert.match(error.message, /remove it and run again/);
        return true;
      });
    }
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    await assert.rejects(stat(join(dir, 'would-be-created')), { code: 'ENOENT' });
  });
});
