import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuseCheck, qemuChecks } from '../../../sdk/doctor/checks.js';

describe('the FUSE check', () => {
  const usable = { deviceUsable: true, fusermount: '/usr/bin/fusermount', userAllowOther: true };

  it('is ok when /dev/fuse, fusermount and user_allow_other are there', () => {
    assert.deepEqual(fuseCheck(usable), { name: 'fuse', level: 'ok', detail: 'usable (/usr/bin/fusermount, user_allow_other)' });
  });

  it('only warns when FUSE is missing or unusable, since nothing uses it yet, and says how to set it up', () => {
    for (const facts of [{ ...usable, deviceUsable: false }, { ...usable, fusermount: null }, { ...usable, userAllowOther: false }, { deviceUsable: false, fusermount: null, userAllowOther: false }]) {
      const check = fuseCheck(facts);
      assert.equal(check.level, 'warn', JSON.stringify(facts));
      assert.match(check.detail, /^not used yet \(early start will need it\): /);
      assert.ok(check.fix, JSON.stringify(facts));
    }
    assert.equal(fuseCheck({ deviceUsable: false, fusermount: null, userAllowOther: false }).detail.split('; ').length, 3, 'every problem is named');
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
