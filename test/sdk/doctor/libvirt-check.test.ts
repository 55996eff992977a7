import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { libvirtCheck, type LibvirtFacts } from '../../../sdk/doctor/libvirt-check.js';

const facts = (overrides: Partial<LibvirtFacts>): LibvirtFacts => ({ uri: 'qemu:///system', client: '9.0.0', daemon: { answered: '' }, systemd: true, user: 'ops', ...overrides });
const NOT_RUNNING = { refused: "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory" };

describe('the libvirt check', () => {
  it('is ok when the daemon answers, naming its version and hypervisor', () => {
    const answered = 'Compiled against library: libvirt 9.0.0\nUsing library: libvirt 9.0.0\nUsing API: QEMU 9.0.0\nRunning hypervisor: QEMU 7.2.22\nRunning against daemon: 9.0.0\n';
    assert.deepEqual(libvirtCheck(facts({ daemon: { answered } })), { name: 'libvirt', level: 'ok', detail: 'libvirt 9.0.0, daemon 9.0.0 at qemu:///system (QEMU 7.2.22)' });
  });

  it('fails without virsh, saying what to install', () => {
    const check = libvirtCheck(facts({ client: null }));
    assert.equal(check.level, 'fail');
    assert.match(check.fix ?? '', /sudo apt-get install libvirt-clients libvirt-daemon-system/);
  });

  it('fails when the daemon is not running, with the command that starts it under systemd or without', () => {
    const withSystemd = libvirtCheck(facts({ daemon: NOT_RUNNING }));
    assert.equal(withSystemd.level, 'fail');
    assert.equal(withSystemd.detail, `libvirt 9.0.0; daemon not reachable at qemu:///system: ${NOT_RUNNING.refused}`);
    assert.equal(withSystemd.fix, 'start it: sudo systemctl start libvirtd');
    assert.match(libvirtCheck(facts({ daemon: NOT_RUNNING, systemd: false })).fix ?? '', /^start it .*sudo libvirtd -d$/);
  });

  it('fails when this user may not connect, saying which user joins the libvirt group', () => {
    for (const refused of [
      "Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied",
      "authentication unavailable: no polkit agent available to authenticate action 'org.libvirt.unix.manage'",
    ]) {
      const check = libvirtCheck(facts({ daemon: { refused } }));
      assert.equal(check.level, 'fail');
      assert.equal(check.fix, 'join the libvirt group: sudo usermod -aG libvirt ops, then log in again', refused);
    }
  });
});
