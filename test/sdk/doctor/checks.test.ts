import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuseCheck, qemuChecks } from '../../../sdk/doctor/checks.js';

describe('the FUSE check', () => {
  const usable = { module: { loads: true as const }, deviceUsable: true, fusermount: '/usr/bin/fusermount', userAllowOther: true, root: false };

  it('is ok when fuse-native loads and /dev/fuse, fusermount and user_allow_other are there (root needs no user_allow_other)', () => {
    assert.deepEqual(fuseCheck(usable), { name: 'fuse', level: 'ok', detail: 'usable (fuse-native loads, /dev/fuse, /usr/bin/fusermount, user_allow_other)' });
    assert.equal(fuseCheck({ ...usable, userAllowOther: false, root: true }).level, 'ok');
  });

  it('fails when any part is missing, since early start needs it, names every problem and says how to set it up', () => {
    const missing = { loads: false as const, reason: 'libfuse.so.2: cannot open shared object file' };
    for (const facts of [{ ...usable, module: missing }, { ...usable, deviceUsable: false }, { ...usable, fusermount: null }, { ...usable, userAllowOther: false }]) {
      const check = fuseCheck(facts);
      assert.equal(check.level, 'fail', JSON.stringify(facts));
      assert.match(check.detail, /^early start needs it: /);
      assert.ok(check.fix, JSON.stringify(facts));
    }
    const none = fuseCheck({ module: missing, deviceUsable: false, fusermount: null, userAllowOther: false, root: false });
    assert.equal(none.detail.split('; ').length, 4, 'every problem is named');
    assert.match(none.detail, /fuse-native does not load \(libfuse\.so\.2/);
  });
});

describe('the QEMU checks', () => {
  it('read the versions QEMU and qemu-img print', () => {
    assert.deepEqual(
      qemuChecks('QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u16)', 'qemu-img version 7.2.22').map((check) => [check.level, check.detail]),
      [['ok', 'QEMU 7.2.22'], ['ok', 'qemu-img 7.2.22']],
    );
  });

  it('fail when a program is missing, each with the command that installs it', () => {
    for (const check of qemuChecks(null, null)) {
      assert.equal(check.level, 'fail');
      assert.match(check.fix ?? '', /^install it: sudo apt-get install /);
    }
  });
});
