import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeScratchDir, sweepDeadScratchDirs } from '../../../sdk/scratch/index.js';

/** The pid of a process that has exited (and been reaped). */
async function deadPid(): Promise<number> {
  const child = spawn('true');
  await new Promise((resolve) => child.on('close', resolve));
  return child.pid!;
}

describe('scratch directories', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'scratch-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('sweeps the scratch of a killed process, keeps live ones and anything else', async () => {
    const dead = `.synthesis-${await deadPid()}-abc123`;
    const live = `.synthesis-${process.pid}-def456`;
    const init = '.synthesis-1-ghi789';
    for (const name of [dead, live, init, '.overlay-1234567-x', 'disk.raw', '.synthesis-notapid']) await mkdir(join(dir, name));
    await writeFile(join(dir, dead, 'memory.pages'), 'half-written');
    assert.deepEqual(await sweepDeadScratchDirs(dir, '.synthesis-'), [dead]);
    assert.deepEqual((await readdir(dir)).sort(), [init, live, '.overlay-1234567-x', '.synthesis-notapid', 'disk.raw'].sort());
  });

  it('names a new scratch after this process, after sweeping', async () => {
    const dead = `.overlay-${await deadPid()}-zzz`;
    await mkdir(join(dir, dead));
    const made = await makeScratchDir(dir, '.overlay-');
    assert.match(made, new RegExp(`/\\.overlay-${process.pid}-\\w{6}$`));
    assert.ok(!(await readdir(dir)).includes(dead));
  });
});
