import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { describe, it } from 'node:test';
import { hostTarget } from '../../../tasks/inventory/host-target.js';
import { UsageError } from '../../../sdk/errors/cloudlet-error.js';

describe('hostTarget', () => {
  it('reads user, host and port from a spec, as -H does', () => {
    const target = hostTarget('ops@[2001:db8::1]:2222');
    assert.deepEqual([target.name, target.user, target.address, target.port], ['ops@[2001:db8::1]:2222', 'ops', '2001:db8::1', 2222]);
  });

  it('defaults to port 22 and the local user, with no keys, jumps or variables', () => {
    assert.deepEqual(hostTarget('web1'), { name: 'web1', address: 'web1', port: 22, user: userInfo().username, identityFiles: [], jumps: [], knownHostsFiles: [], vars: {}, groups: [] });
  });

  it('takes the other fields as given', () => {
    assert.deepEqual(hostTarget('web1', { vars: { role: 'edge' }, identityFiles: ['~/.ssh/lab'] }).vars, { role: 'edge' });
  });

  it('refuses a spec that is no host', () => {
    assert.throws(() => hostTarget('a b@'), UsageError);
  });
});
