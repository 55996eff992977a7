import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAppArmor } from '../../../../tasks/install/steps/apparmor.js';
import { replaceManagedBlock } from '../../../../tasks/install/steps/managed-block.js';

describe('AppArmor planner', () => {
  it('skips hosts where AppArmor is not enabled', () => {
    assert.equal(planAppArmor({ enabled: false, localInclude: '' }).kind, 'skipped');
  });

  it('allows the cloudlet directories in the libvirt-qemu local include, keeping the operator\'s lines', () => {
    const plan = planAppArmor({ enabled: true, localInclude: '/srv/vm/** r,\n' });
    assert.equal(plan.kind, 'change');
    if (plan.kind !== 'change' || plan.actions[0]!.kind !== 'file') return assert.fail('expected a file action');
    const { content, path } = plan.actions[0]!;
    assert.equal(path, '/etc/apparmor.d/local/abstractions/libvirt-qemu');
    assert.ok(content.startsWith('/srv/vm/** r,\n'));
    assert.match(content, /\/var\/lib\/cloudlet\/\*\* rwk,/);
    assert.doesNotMatch(content, /complain/);
    assert.equal(planAppArmor({ enabled: true, localInclude: content }).kind, 'unchanged');
  });

  it('replaces its own block on a re-run instead of appending another', () => {
    const once = replaceManagedBlock('a\n', ['x']);
    const twice = replaceManagedBlock(once.replace('x', 'old'), ['x']);
    assert.equal(twice, once);
  });
});
