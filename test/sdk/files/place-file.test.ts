import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputFileExistsError, placeFile } from '../../../sdk/files/index.js';

describe('placeFile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'place-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('moves a finished file to its name', async () => {
    await writeFile(join(dir, 'a.partial'), 'done');
    await placeFile(join(dir, 'a.partial'), join(dir, 'a'));
    assert.deepEqual(await readdir(dir), ['a']);
    assert.equal(await readFile(join(dir, 'a'), 'utf8'), 'done');
  });

  it('never replaces an existing file or a symlink there, with the caller error or OutputFileExistsError', async () => {
    await writeFile(join(dir, 'victim'), 'precious');
    await symlink(join(dir, 'victim'), join(dir, 'link'));
    await writeFile(join(dir, 'b.partial'), 'new');
    for (const target of ['victim', 'link']) {
      await assert.rejects(placeFile(join(dir, 'b.partial'), join(dir, target)), (error: unknown) => error instanceof OutputFileExistsError && error.path === join(dir, target));
    }
    await assert.rejects(placeFile(join(dir, 'b.partial'), join(dir, 'victim'), (path) => new RangeError(path)), RangeError);
    assert.equal(await readFile(join(dir, 'victim'), 'utf8'), 'precious');
    assert.equal(await readFile(join(dir, 'b.partial'), 'utf8'), 'new', 'the finished file is left to the caller');
  });
});
