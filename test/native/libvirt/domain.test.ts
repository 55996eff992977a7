import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { virshReadsNameAs } from '../../../native/libvirt/index.js';

const uuid = '639a1a35-8cf1-4bf8-a988-993a2fb80c8e';

describe('virshReadsNameAs', () => {
  it('says which names virsh takes for a domain ID or UUID', () => {
    assert.equal(virshReadsNameAs('3'), 'id');
    assert.equal(virshReadsNameAs('0042'), 'id');
    assert.equal(virshReadsNameAs(uuid), 'uuid');
    assert.equal(virshReadsNameAs(uuid.toUpperCase()), 'uuid');
    assert.equal(virshReadsNameAs(uuid.replace(/-/g, '')), 'uuid');
    for (const name of ['vm3', '3vm', 'cloudlet-vm-0123456789ab', `${uuid}0`, uuid.slice(0, 35)]) assert.equal(virshReadsNameAs(name), undefined, name);
  });
});
