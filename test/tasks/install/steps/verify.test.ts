import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planVerify } from '../../../../tasks/install/steps/verify.js';

const ok = (name: string, detail: string) => ({ name, level: 'ok' as const, detail });

describe('verify planner', () => {
  it('reads as a verdict: READY, or NOT READY with what failed and how to fix it', () => {
    const ready = planVerify({ report: { accel: 'tcg', ok: true, checks: [ok('qemu', 'QEMU 7.2'), { name: 'fuse', level: 'warn', detail: 'not used yet', fix: 'set it up: cloudlet-tasks install' }] } });
    assert.equal(ready.kind === 'unchanged' && ready.reason, 'READY (TCG)');
    assert.deepEqual(ready.notes, ['WARN fuse: not used yet — set it up: cloudlet-tasks install']);
    const libvirt = { name: 'libvirt', level: 'fail' as const, detail: 'libvirt 9.0.0; daemon not reachable', fix: 'start it: sudo systemctl start libvirtd' };
    const notReady = planVerify({ report: { accel: 'kvm', ok: false, checks: [ok('qemu', 'QEMU 7.2'), libvirt] } });
    assert.equal(notReady.kind === 'unchanged' && notReady.reason, 'NOT READY: libvirt: libvirt 9.0.0; daemon not reachable — start it: sudo systemctl start libvirtd (KVM)');
    assert.equal(notReady.kind === 'unchanged' && notReady.details?.length, 2, 'the table of checks');
  });

  it('says to run install when cloudlet doctor is not there', () => {
    const plan = planVerify({ report: null, error: '/usr/local/bin/cloudlet not found' });
    assert.match(plan.kind === 'unchanged' ? plan.reason : '', /^NOT READY: cloudlet doctor did not run \(\/usr\/local\/bin\/cloudlet not found\) — run cloudlet-tasks install$/);
  });
});
