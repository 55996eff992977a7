import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planLibvirtService } from '../../../../tasks/install/steps/libvirt-service.js';

describe('libvirt service planner', () => {
  it('enables and starts libvirtd through systemd when needed', () => {
    const plan = planLibvirtService({ init: 'systemd', enabled: false, active: false });
    assert.equal(plan.kind === 'change' && plan.actions[0]!.kind === 'command' && plan.actions[0]!.command.text, 'systemctl enable --now libvirtd');
    assert.equal(planLibvirtService({ init: 'systemd', enabled: true, active: true }).kind, 'unchanged');
  });

  it('tells what to do where there is no systemd', () => {
    const plan = planLibvirtService({ init: 'other', enabled: false, active: false });
    assert.equal(plan.kind, 'skipped');
    assert.match(plan.kind === 'skipped' ? plan.reason : '', /libvirtd -d/);
    assert.equal(planLibvirtService({ init: 'other', enabled: false, active: true }).kind, 'unchanged');
  });
});
