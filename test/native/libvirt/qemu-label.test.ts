import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { parseDacBaseLabel, qemuDacLabel, SYSTEM_URI } from '../../../native/libvirt/index.js';
import { detectAcceleration } from '../../../sdk/vm/index.js';
import { prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';

const secmodel = (model: string, labels: string) => `<capabilities><host><secmodel><model>${model}</model><doi>0</doi>${labels}</secmodel></host></capabilities>`;

describe('qemuDacLabel', () => {
  it("reads the DAC base label of the domain type, and nothing from other security models", () => {
    const labels = "<baselabel type='kvm'>+64055:+64056</baselabel><baselabel type='qemu'>+107:+108</baselabel>";
    assert.deepEqual(parseDacBaseLabel(secmodel('dac', labels), 'kvm'), { uid: 64055, gid: 64056 });
    assert.deepEqual(parseDacBaseLabel(secmodel('none', '') + secmodel('dac', labels), 'qemu'), { uid: 107, gid: 108 });
    assert.equal(parseDacBaseLabel(secmodel('apparmor', labels), 'kvm'), undefined, 'another model');
    assert.equal(parseDacBaseLabel(secmodel('none', ''), 'kvm'), undefined, 'no DAC driver: libvirt changes no owners');
  });

  let host: LibvirtHost;
  before(async () => {
    host = await prepareLibvirtHost('qemu-label-');
  });
  after(() => host.release());

  it('asks the running libvirtd, which runs QEMU as user and group libvirt-qemu here (that user\'s primary group is kvm)', async () => {
    const label = await qemuDacLabel(SYSTEM_URI, (await detectAcceleration()).domainType);
    const entry = (database: string) => Number(execFileSync('getent', [database, 'libvirt-qemu'], { encoding: 'utf8' }).split(':')[2]);
    assert.deepEqual(label, { uid: entry('passwd'), gid: entry('group') });
  });
});
