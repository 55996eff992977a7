import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LibvirtOperationError, QemuMissingError, toLibvirtError } from '../../../native/libvirt/index.js';

const call = { operation: 'restore', uri: 'qemu:///system', domain: 'vm1' };

describe('toLibvirtError', () => {
  // libvirt's own texts for "no QEMU", as libvirtd 6–9 word them.
  for (const text of [
    'Cannot check QEMU binary /usr/bin/qemu-system-x86_64: No such file or directory',
    'internal error: Cannot find suitable emulator for x86_64',
    'invalid argument: could not find capabilities for arch=x86_64 domaintype=kvm',
  ]) {
    it(`says QEMU is missing for "${text.slice(0, 40)}…"`, () => {
      const error = toLibvirtError(new Error(text), call);
      assert.ok(error instanceof QemuMissingError);
      assert.equal(error.libvirtMessage, text);
      assert.equal(error.domain, 'vm1');
      assert.match(error.message, /install qemu-system-x86.*restart libvirtd/);
    });
  }

  it('keeps other failures as LibvirtOperationError with libvirt\'s text', () => {
    const error = toLibvirtError(new Error('operation failed: guest CPU doesn\'t match specification'), call);
    assert.ok(error instanceof LibvirtOperationError);
    assert.match(error.message, /guest CPU/);
  });
});
