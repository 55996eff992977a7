import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostLockError } from '../../../../tasks/install/bundle/errors.js';
import { fitsHost, hostLockFrom, readHostLock } from '../../../../tasks/install/bundle/host-lock.js';

const integrity = (n: number): string => `sha512-${String(n).repeat(4)}==`;

describe('host lock', () => {
  it('takes the closure of the roots as npm laid it out, nested versions and platform packages included', () => {
    const lock = hostLockFrom(
      {
        '': { dependencies: { a: '^1' } },
        'node_modules/a': { version: '1.0.0', integrity: integrity(1), dependencies: { b: '^2' }, optionalDependencies: { gone: '1', plat: '1' }, hasInstallScript: true },
        'node_modules/a/node_modules/b': { version: '2.0.0', integrity: integrity(2) },
        'node_modules/b': { version: '1.0.0', integrity: integrity(3) },
        'node_modules/plat': { version: '1.0.0', integrity: integrity(4), cpu: ['arm64'], os: ['linux'] },
        'node_modules/unrelated': { version: '9.9.9', integrity: integrity(5) },
      },
      ['a'],
      ['a'],
    );
    assert.deepEqual(
      lock.packages.map((pkg) => `${pkg.path}@${pkg.version}`),
      ['node_modules/a@1.0.0', 'node_modules/a/node_modules/b@2.0.0', 'node_modules/plat@1.0.0'],
      'b@1 is not reachable from a; a missing optional dependency is no error',
    );
    assert.equal(lock.packages[0]!.build, true);
    assert.equal(lock.packages[1]!.name, 'b');
    assert.ok(!fitsHost(lock.packages[2]!, 'x64') && fitsHost(lock.packages[2]!, 'arm64'));
  });

  it('refuses a lock that lacks a root or holds a linked package', () => {
    assert.throws(() => hostLockFrom({ '': {} }, ['missing'], []), HostLockError);
    assert.throws(() => hostLockFrom({ 'node_modules/x': { link: true } }, ['x'], []), /not a registry package/);
  });

  it("reads npm's platform filters, negations included", () => {
    const pkg = { path: 'node_modules/p', name: 'p', version: '1', integrity: integrity(1) };
    assert.ok(fitsHost(pkg, 'x64'));
    assert.ok(fitsHost({ ...pkg, cpu: ['!arm64'] }, 'x64') && !fitsHost({ ...pkg, cpu: ['!arm64'] }, 'arm64'));
    assert.ok(!fitsHost({ ...pkg, os: ['darwin'] }, 'x64'));
    assert.ok(!fitsHost({ ...pkg, libc: ['musl'] }, 'x64'));
  });

  it('as built: the SDK, its native addons and node-gyp, not the runner', () => {
    const lock = readHostLock();
    const names = new Set(lock.packages.map((pkg) => pkg.name));
    for (const name of ['@msgpack/msgpack', 'execa', 'yauzl', 'yazl', 'xdelta3-wasm', 'lzma-native', 'zstd-napi', '@unraid/libvirt', 'fuse-native', 'node-gyp']) assert.ok(lock.roots.includes(name), name);
    assert.deepEqual([...lock.load].sort(), ['@unraid/libvirt', 'fuse-native', 'lzma-native', 'zstd-napi']);
    for (const runnerOnly of ['listr2', 'node-ssh', 'ssh2', 'yaml', 'ssh-config', 'conf', 'zx']) assert.ok(!names.has(runnerOnly), `${runnerOnly} stays on the operator`);
    for (const pkg of lock.packages) assert.match(pkg.integrity, /^sha(512|1)-/, pkg.path);
  });
});
