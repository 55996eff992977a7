import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostForwardCommand } from '../../../native/libvirt/index.js';

const uuid = '639a1a35-8cf1-4bf8-a988-993a2fb80c8e';

describe('hostForwardCommand', () => {
  it('addresses the domain by its UUID, never by its name', () => {
    // `3` is how the forward reached another VM: virsh reads a name of digits as a domain ID.
    for (const name of ['3', 'web-1', '639a1a35-8cf1-4bf8-a988-993a2fb80c8f']) {
      const args = hostForwardCommand({ name, uuid }, { protocol: 'tcp', hostPort: 2222, guestPort: 22 });
      assert.deepEqual(args, ['qemu-monitor-command', '--domain', uuid, '--hmp', 'hostfwd_add hostnet0 tcp:127.0.0.1:2222-:22']);
      assert.ok(!args.includes(name), name);
    }
    assert.deepEqual(
      hostForwardCommand({ name: 'vm', uuid }, { protocol: 'udp', hostAddress: '10.0.0.2', hostPort: 53, guestPort: 5353 }, 'net1').at(-1),
      'hostfwd_add net1 udp:10.0.0.2:53-:5353',
    );
  });

  it('refuses a UUID or forward it cannot put into the command safely', () => {
    const forward = { protocol: 'tcp', hostPort: 2222, guestPort: 22 } as const;
    for (const bad of ['', 'vm1', uuid.toUpperCase(), `${uuid} --hmp x`]) {
      assert.throws(() => hostForwardCommand({ name: 'vm', uuid: bad }, forward), RangeError, bad);
    }
    assert.throws(() => hostForwardCommand({ name: 'vm', uuid }, { ...forward, hostAddress: '127.0.0.1 x' }), RangeError);
    assert.throws(() => hostForwardCommand({ name: 'vm', uuid }, { ...forward, hostPort: 0 }), RangeError);
    assert.throws(() => hostForwardCommand({ name: 'vm', uuid }, forward, 'hostnet0 x'), RangeError);
  });
});
