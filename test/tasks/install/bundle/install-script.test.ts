// The host-side install script, run for real by root on this machine, for the faults that must
// leave the prefix as it was: an upload whose SHA-256 is not the operator's, and a bundle that
// breaks half-way through unpacking. (The whole deploy runs on real hosts in install-task.test.)
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { installScript } from '../../../../tasks/install/bundle/install-script.js';

function runScript(script: string, tmp: string): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => execFile('sh', ['-c', script], { env: { PATH: process.env['PATH'], TMPDIR: tmp } }, (error, _stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stderr })));
}

describe('install script', () => {
  let dir: string;
  let prefix: string;
  let tmp: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clt-install-script-'));
    prefix = join(dir, 'prefix');
    tmp = join(dir, 'tmp');
    mkdirSync(tmp);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const input = (staged: string, sha256: string) => ({ prefix, key: '0.1.0-x64-0123456789abcdef', arch: 'x64', staged, sha256, load: [] });

  it('touches nothing when the upload is not what the operator sent', async () => {
    const staged = join(dir, 'bundle.tar');
    writeFileSync(staged, 'a bundle with a flipped byte');
    const result = await runScript(installScript(input(staged, createHash('sha256').update('the bundle that was sent').digest('hex'))), tmp);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the uploaded bundle is corrupted .*nothing was changed; run install again/);
    assert.ok(!existsSync(prefix), 'no prefix, no releases, no partial');
  });

  it('removes the partial release when unpacking fails half-way', async () => {
    // A real tar cut short: the checksum matches what was sent, the archive itself is broken.
    const source = join(dir, 'src');
    await new Promise<void>((resolve, reject) => execFile('sh', ['-c', `mkdir -p ${source} && head -c 300000 /dev/urandom > ${source}/big && tar -cf ${dir}/whole.tar -C ${source} big`], (error) => (error ? reject(error) : resolve())));
    const cut = readFileSync(join(dir, 'whole.tar')).subarray(0, 100_000);
    const staged = join(dir, 'cut.tar');
    writeFileSync(staged, cut);
    const result = await runScript(installScript(input(staged, createHash('sha256').update(cut).digest('hex'))), tmp);
    assert.notEqual(result.code, 0);
    assert.deepEqual(readdirSync(join(prefix)), [], 'releases/ and the partial are gone');
    assert.deepEqual(readdirSync(tmp), [], 'no build log left');
  });
});
