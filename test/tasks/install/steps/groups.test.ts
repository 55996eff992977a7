import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostRefused } from '../../../../tasks/install/step.js';
import { planGroups } from '../../../../tasks/install/steps/groups.js';
import { SETTINGS } from './facts.js';

describe('groups planner', () => {
  it('adds the user to kvm and libvirt and says a new login is needed', () => {
    const plan = planGroups({ userExists: true, userGroups: ['ops'], existingGroups: ['kvm', 'libvirt'] }, SETTINGS);
    assert.equal(plan.kind, 'change');
    if (plan.kind !== 'change' || plan.actions[0]!.kind !== 'command') return assert.fail('expected a command');
    assert.equal(plan.actions[0]!.command.text, 'usermod -aG kvm,libvirt ops');
    assert.match(plan.notes![0]!, /log in again/);
  });

  it("joins libvirt-qemu where QEMU runs as that group (Debian), so the VM's console socket is reachable, but never creates it", () => {
    const plan = planGroups({ userExists: true, userGroups: ['ops', 'kvm', 'libvirt'], existingGroups: ['kvm', 'libvirt', 'libvirt-qemu'] }, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.deepEqual(plan.actions.map((a) => (a.kind === 'command' ? a.command.text : '')), ['usermod -aG libvirt-qemu ops']);
    assert.equal(planGroups({ userExists: true, userGroups: ['kvm', 'libvirt', 'libvirt-qemu'], existingGroups: ['kvm', 'libvirt', 'libvirt-qemu'] }, SETTINGS).kind, 'unchanged');
  });

  it('uses libvirtd on old releases and creates a missing kvm group', () => {
    const plan = planGroups({ userExists: true, userGroups: [], existingGroups: ['libvirtd'] }, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.deepEqual(plan.actions.map((a) => (a.kind === 'command' ? a.command.text : '')), ['groupadd --system kvm', 'usermod -aG kvm,libvirtd ops']);
  });

  it('changes nothing for a member, and refuses a user that does not exist', () => {
    assert.equal(planGroups({ userExists: true, userGroups: ['kvm', 'libvirt'], existingGroups: ['kvm', 'libvirt'] }, SETTINGS).kind, 'unchanged');
    assert.throws(() => planGroups({ userExists: false, userGroups: [], existingGroups: [] }, SETTINGS), HostRefused);
  });
});
