import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { execa } from 'execa';
import { HostToolMissingError, missingTool } from '../../native/host-tool.js';

describe('missingTool', () => {
  let empty: string;
  before(async () => {
    empty = await mkdtemp(join(tmpdir(), 'no-tools-'));
  });
  after(() => rm(empty, { recursive: true, force: true }));

  it('turns a program that is not on PATH into HostToolMissingError naming its package', async () => {
    const failure = await execa('qemu-img', ['--version'], { env: { PATH: empty }, extendEnv: false }).catch((error: unknown) => error);
    const missing = missingTool(failure, 'qemu-img');
    assert.ok(missing instanceof HostToolMissingError);
    assert.equal(missing.tool, 'qemu-img');
    assert.equal(missing.debianPackage, 'qemu-utils');
    assert.match(missing.message, /qemu-img is not installed.*apt install qemu-utils.*cloudlet-tasks install/);
  });

  it('leaves every other failure alone: a program that ran and failed, or a non-execa error', async () => {
    const ran = await execa('qemu-img', ['info', join(empty, 'nothing.raw')]).catch((error: unknown) => error);
    assert.equal(missingTool(ran, 'qemu-img'), undefined);
    assert.equal(missingTool(Object.assign(new Error('x'), { code: 'ENOENT' }), 'qemu-img'), undefined);
  });
});
