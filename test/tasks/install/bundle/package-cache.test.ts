// The cache's logic against a stand-in `npm` (a script that writes the tarballs it is asked for);
// the real registry is exercised by the install tests.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PackageFetchError, PackageIntegrityError } from '../../../../tasks/install/bundle/errors.js';
import { cachedPackages } from '../../../../tasks/install/bundle/package-cache.js';

const CONTENT = 'tarball bytes';
const sri = (text: string): string => `sha512-${createHash('sha512').update(text).digest('base64')}`;

describe('package cache', () => {
  let dir: string;
  const saved = { PATH: process.env['PATH'], npm_execpath: process.env['npm_execpath'], XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clt-pkgcache-'));
    // `npm pack a@1 @s/b@2 --pack-destination D …` writes D/a-1.tgz and D/s-b-2.tgz and logs its call.
    const npm = `#!/bin/sh\necho "$*" >> ${dir}/calls\nwhile [ "$1" != --pack-destination ]; do case "$1" in pack) ;; *) spec="$spec $1";; esac; shift; done\ndest="$2"\nfor s in $spec; do name=$(echo "$s" | sed 's/^@//; s,/,-,; s/@/-/'); printf '%s' "${CONTENT}" > "$dest/$name.tgz"; done\n`;
    writeFileSync(join(dir, 'npm'), npm);
    chmodSync(join(dir, 'npm'), 0o755);
    process.env['PATH'] = `${dir}:/usr/bin:/bin`;
    delete process.env['npm_execpath'];
    process.env['XDG_CACHE_HOME'] = join(dir, 'cache');
  });
  after(() => {
    for (const [key, value] of Object.entries(saved)) if (value === undefined) delete process.env[key];
    else process.env[key] = value;
    rmSync(dir, { recursive: true, force: true });
  });

  it('fetches each missing package once, checks it, and serves later calls from the private cache', async () => {
    const refs = [
      { name: 'a', version: '1.0.0', integrity: sri(CONTENT) },
      { name: '@s/b', version: '2.0.0', integrity: sri(CONTENT) },
      { name: 'a', version: '1.0.0', integrity: sri(CONTENT) },
    ];
    const files = await cachedPackages(refs);
    assert.equal(files.length, 3);
    assert.equal(files[0], files[2]);
    for (const file of files) assert.equal(readFileSync(file, 'utf8'), CONTENT);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').length, 1, 'one npm pack for all');
    assert.match(readFileSync(join(dir, 'calls'), 'utf8'), /^pack a@1\.0\.0 @s\/b@2\.0\.0 --pack-destination /);
    await cachedPackages(refs);
    assert.equal(readFileSync(join(dir, 'calls'), 'utf8').trim().split('\n').length, 1, 'cached: npm not asked again');
    const { mode } = (await import('node:fs')).statSync(join(dir, 'cache', 'cloudlet-tasks'));
    assert.equal(mode & 0o777, 0o700);
  });

  it('refuses a tarball that is not the pinned one and caches nothing of it', async () => {
    const ref = { name: 'tampered', version: '1.0.0', integrity: sri('what the lock pinned') };
    await assert.rejects(cachedPackages([ref]), (error: unknown) => error instanceof PackageIntegrityError && error.spec === 'tampered@1.0.0');
    assert.ok(!existsSync(join(dir, 'cache', 'cloudlet-tasks', 'packages', 'tampered-1.0.0.tgz')));
    assert.deepEqual(readdirSync(join(dir, 'cache', 'cloudlet-tasks', 'packages')).filter((name) => name.startsWith('.fetch-')), [], 'no scratch left');
  });

  it('says what to do when npm is missing', async () => {
    process.env['PATH'] = '/nonexistent';
    try {
      await assert.rejects(cachedPackages([{ name: 'c', version: '1.0.0', integrity: sri(CONTENT) }]), (error: unknown) => error instanceof PackageFetchError && /npm is not installed here.*needs npm and the registry/.test(error.message));
    } finally {
      process.env['PATH'] = `${dir}:/usr/bin:/bin`;
    }
  });
});
