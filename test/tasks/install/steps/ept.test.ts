import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planEpt, type EptFacts } from '../../../../tasks/install/steps/ept.js';
import { AMD_NO_VIRT, INTEL, SETTINGS } from './facts.js';

const oldIntel: EptFacts = { cpu: INTEL, kernel: '3.2.0-4-amd64', modprobeConf: null, loadedEpt: 'Y', runningVms: 0 };

describe('EPT planner', () => {
  it('turns EPT off on Intel with a kernel below 3.13 and reloads kvm_intel when no VM runs', () => {
    const plan = planEpt(oldIntel, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    const [file, reload] = plan.actions;
    assert.equal(file!.kind === 'file' && file!.path, '/etc/modprobe.d/cloudlet-kvm-intel.conf');
    assert.equal(file!.kind === 'file' && file!.content, 'options kvm_intel ept=0\n');
    assert.equal(reload!.kind === 'command' && reload!.command.text, 'modprobe -r kvm_intel && modprobe kvm_intel');
  });

  it('does not reload under running VMs and says a reboot is needed', () => {
    const plan = planEpt({ ...oldIntel, runningVms: 2 }, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.equal(plan.actions.length, 1);
    assert.match(plan.notes![0]!, /reboot/);
  });

  it('turns EPT off on a new kernel only when asked', () => {
    const modern = { ...oldIntel, kernel: '6.1.0' };
    assert.equal(planEpt(modern, SETTINGS).kind, 'skipped');
    assert.equal(planEpt(modern, { ...SETTINGS, disableEpt: true }).kind, 'change');
    assert.equal(planEpt({ ...modern, modprobeConf: 'options kvm_intel ept=0\n', loadedEpt: 'N' }, { ...SETTINGS, disableEpt: true }).kind, 'unchanged');
  });

  it('skips AMD hosts, even when asked', () => {
    const plan = planEpt({ ...oldIntel, cpu: AMD_NO_VIRT }, { ...SETTINGS, disableEpt: true });
    assert.equal(plan.kind, 'skipped');
    assert.match(plan.notes![0]!, /no effect/);
  });
});
