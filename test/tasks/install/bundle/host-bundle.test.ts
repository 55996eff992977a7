// The bundle for another CPU than the operator's, made for real from the registry (cached in the
// tests' shared operator cache): what a laptop of any kind deploys to an arm64 host.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, openSync, readSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { list } from 'tar';
import { bundleKey, hostBundle } from '../../../../tasks/install/bundle/host-bundle.js';
import { OPERATOR_CACHE } from '../../../fixtures/run-cli.js';

const run = promisify(execFile);

/** ELF e_machine of a binary: 62 x86-64, 183 AArch64. */
function elfMachine(path: string): number {
  const fd = openSync(path, 'r');
  try {
    const header = Buffer.alloc(20);
    readSync(fd, header, 0, 20, 0);
    assert.equal(header.subarray(0, 4).toString('latin1'), '\x7fELF');
    return header.readUInt16LE(18);
  } finally {
    closeSync(fd);
  }
}

describe('host bundle', () => {
  const saved = process.env['XDG_CACHE_HOME'];
  let scratch: string;
  before(() => {
    process.env['XDG_CACHE_HOME'] = OPERATOR_CACHE;
    scratch = mkdtempSync(join(tmpdir(), 'clt-bundle-'));
  });
  after(() => {
    if (saved === undefined) delete process.env['XDG_CACHE_HOME'];
    else process.env['XDG_CACHE_HOME'] = saved;
    rmSync(scratch, { recursive: true, force: true });
  });

  it('keys bundles by content and CPU without fetching anything', () => {
    const started = performance.now();
    const [x64, arm64] = [bundleKey('x64'), bundleKey('arm64')];
    assert.match(x64, /^\d+\.\d+\.\d+-x64-[0-9a-f]{16}$/);
    assert.notEqual(x64.replace('-x64-', ''), arm64.replace('-arm64-', ''));
    assert.ok(performance.now() - started < 2000, 'cheap enough for every no-op run');
  });

  it('carries the arm64 runtime and arm64 packages, owned by nobody in particular', async () => {
    const bundle = await hostBundle('arm64');
    assert.match(bundle.sha256, /^[0-9a-f]{64}$/);
    const entries: Array<{ path: string; uid: number | undefined; uname: string | undefined }> = [];
    await list({ file: bundle.path, onReadEntry: (entry) => entries.push({ path: entry.path, uid: entry.uid, uname: entry.uname }) });
    const paths = new Set(entries.map((entry) => entry.path));
    for (const member of ['package.json', 'host-lock.json', 'layout.tsv', 'runtime.tgz', 'dist/sdk/cli.js', 'dist/native/addon.js', 'dist/sdk/errors/cloudlet-error.js']) assert.ok(paths.has(member), member);
    for (const entry of entries) assert.ok(!entry.uid && !entry.uname, `${entry.path} carries no operator owner`);

    await run('tar', ['-xf', bundle.path, '-C', scratch, 'layout.tsv', 'runtime.tgz']);
    const layout = (await run('cat', [join(scratch, 'layout.tsv')])).stdout;
    assert.match(layout, /\tnode_modules\/@esbuild\/linux-arm64\t/);
    assert.doesNotMatch(layout, /\tnode_modules\/@esbuild\/linux-x64\t/);
    assert.match(layout, /\tnode_modules\/zstd-napi\t1\n/);
    await run('tar', ['-xzf', join(scratch, 'runtime.tgz'), '-C', scratch, 'package/bin/node', 'package/include/node/node_api.h']);
    assert.equal(elfMachine(join(scratch, 'package/bin/node')), 183, 'an AArch64 node');
  });
});
