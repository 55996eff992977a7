import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { enableUserAllowOther, planFuse } from '../../../../tasks/install/steps/fuse.js';

const DEBIAN_DEFAULT = '# /etc/fuse.conf\n#mount_max = 1000\n#user_allow_other\n';

describe('FUSE planner', () => {
  it('uncomments user_allow_other, or adds it, and leaves an enabled file alone', () => {
    assert.equal(enableUserAllowOther(DEBIAN_DEFAULT), '# /etc/fuse.conf\n#mount_max = 1000\nuser_allow_other\n');
    assert.equal(enableUserAllowOther('mount_max = 10'), 'mount_max = 10\nuser_allow_other\n');
    assert.equal(enableUserAllowOther('user_allow_other\n'), 'user_allow_other\n');
  });

  it('writes fuse.conf, the udev rule and fixes /dev/fuse on a fresh host', () => {
    const plan = planFuse({ fuseConf: DEBIAN_DEFAULT, fuseConfMode: '600', udevRule: null, deviceMode: '600' });
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.deepEqual(plan.actions.map((a) => a.kind), ['file', 'file', 'command']);
    const [conf, rule] = plan.actions;
    assert.equal(conf!.kind === 'file' && conf!.mode, '0644');
    assert.equal(rule!.kind === 'file' && rule!.content, 'KERNEL=="fuse", MODE="0666"\n');
  });

  it('changes nothing once done, and says when /dev/fuse is missing', () => {
    const done = { fuseConf: 'user_allow_other\n', fuseConfMode: '644', udevRule: 'KERNEL=="fuse", MODE="0666"\n', deviceMode: '666' };
    assert.equal(planFuse(done).kind, 'unchanged');
    assert.match(planFuse({ ...done, deviceMode: null }).notes![0]!, /modprobe fuse/);
  });
});
