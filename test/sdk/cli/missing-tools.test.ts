import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cloudletProcess } from './cli-harness.js';

describe('cloudlet on a host without QEMU\'s tools', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudlet-no-qemu-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('base: one line naming the missing program and its package, exit 1, nothing registered or left in tmp', async () => {
    const disk = join(dir, 'disk.raw');
    await writeFile(disk, '');
    await truncate(disk, 1 << 20);
    const noTools = join(dir, 'bin');
    await mkdir(noTools);
    const cloudletDir = join(dir, 'cloudlet');
    const run = await cloudletProcess(['base', disk, '--cloudlet-dir', cloudletDir], { PATH: noTools });
    assert.equal(run.code, 1, run.stderr);
    assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
    assert.match(run.stderr, /^cloudlet base: qemu-img is not installed on this host \(apt install qemu-utils\)/);
    for (const sub of ['tmp', 'bases']) assert.deepEqual(await readdir(join(cloudletDir, sub)).catch(() => []), [], sub);
  });
});
