// The SDK bundle must run on its own: extracted anywhere, with nothing of this checkout around it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { packageVersion } from '../../../sdk/version.js';
import { productionModules, sdkBundle } from '../../../tasks/host/sdk-bundle.js';

const run = promisify(execFile);

describe('SDK bundle', () => {
  it('holds every production dependency, scoped ones and their own dependencies included', () => {
    const modules = productionModules();
    for (const name of ['@unraid/libvirt', 'xml2js', 'lzma-native', 'zstd-napi', 'xdelta3-wasm']) assert.ok(modules.includes(`node_modules/${name}`), name);
    assert.ok(!modules.includes('node_modules/typescript'), 'dev dependencies stay out');
  });

  it('runs the cloudlet command from a bare extraction with its own Node runtime', async () => {
    const bundle = await sdkBundle();
    const dir = await mkdtemp(join(tmpdir(), 'bundle-'));
    try {
      await run('tar', ['-xzf', bundle.path, '-C', dir]);
      const env = { PATH: '/usr/bin:/bin' };
      const version = await run(join(dir, 'runtime/node'), [join(dir, 'dist/sdk/cli.js'), '--version'], { cwd: '/', env });
      assert.equal(version.stdout.trim(), packageVersion());
      const help = await run(join(dir, 'runtime/node'), [join(dir, 'dist/sdk/cli.js'), '--help'], { cwd: '/', env });
      assert.match(help.stdout, /synthesis/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
