import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planAppArmor, type AppArmorFacts } from '../../../../tasks/install/steps/apparmor.js';
import { removeManagedBlock } from '../../../../tasks/install/steps/managed-block.js';

const VM = 'libvirt-0b5e8f5c-2f0e-4d36-9a51-3c1f0e6b7a10';
const PROFILES = `/usr/sbin/libvirtd (enforce)\nvirt-aa-helper (enforce)\n${VM} (enforce)\nlibvirt-0b5e8f5c-2f0e-4d36-9a51-3c1f0e6b7a10//x (enforce)\nman_filter (enforce)\n`;
/** The local include as earlier releases left it: the operator's line, then our block. */
const OLD_INCLUDE = [
  '/srv/vm/** r,',
  '# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)',
  '/var/lib/cloudlet/** rwk,',
  'owner @{HOME}/.cloudlet/** rwk,',
  '/var/tmp/cloudlet-*/** rwk,',
  '# END cloudlet-tasks',
  '',
].join('\n');

function facts(overrides: Partial<AppArmorFacts> = {}): AppArmorFacts {
  return { enabled: true, localInclude: '', loadedProfiles: PROFILES, qemuConfSecurity: [], ...overrides };
}

describe('AppArmor planner', () => {
  it('skips hosts where AppArmor is not enabled', () => {
    assert.equal(planAppArmor(facts({ enabled: false })).kind, 'skipped');
  });

  it('adds no rule of its own: libvirt confines each VM to its own files', () => {
    for (const localInclude of ['', '/srv/vm/** r,\n']) {
      const plan = planAppArmor(facts({ localInclude }));
      assert.equal(plan.kind, 'unchanged');
      if (plan.kind !== 'unchanged') return;
      assert.match(plan.reason, /libvirt-<uuid>/);
      assert.deepEqual(plan.notes, []);
    }
  });

  it("removes the global allow an earlier release added, keeping the operator's lines, and reloads the running VMs' profiles", () => {
    const plan = planAppArmor(facts({ localInclude: OLD_INCLUDE }));
    if (plan.kind !== 'change') return assert.fail(`expected a change, got ${plan.kind}`);
    const [file, reload] = plan.actions;
    if (file?.kind !== 'file' || reload?.kind !== 'command') return assert.fail('expected a file and a command action');
    assert.equal(file.path, '/etc/apparmor.d/local/abstractions/libvirt-qemu');
    assert.equal(file.content, '/srv/vm/** r,\n');
    assert.doesNotMatch(file.content, /cloudlet|\/var\/tmp|\/tmp/);
    // Only the loaded per-VM profiles (not child profiles, not others), by their files.
    assert.equal(reload.command.text, `for profile in /etc/apparmor.d/libvirt/${VM}; do [ ! -f "$profile" ] || apparmor_parser -r "$profile" || exit 1; done`);
    assert.equal(planAppArmor(facts({ localInclude: file.content })).kind, 'unchanged', 'a re-run changes nothing');
  });

  it('has nothing to reload when no VM runs', () => {
    const plan = planAppArmor(facts({ localInclude: OLD_INCLUDE, loadedProfiles: '/usr/sbin/libvirtd (enforce)\n' }));
    if (plan.kind !== 'change') return assert.fail('expected a change');
    assert.deepEqual(plan.actions.map((action) => action.kind), ['file']);
  });

  it('says how to fix a libvirt that would leave VMs unconfined or only complaining', () => {
    const notes = (overrides: Partial<AppArmorFacts>) => {
      const plan = planAppArmor(facts(overrides));
      return plan.kind === 'skipped' ? [] : (plan.notes ?? []);
    };
    assert.match(notes({ loadedProfiles: 'man_filter (enforce)\n' }).join('\n'), /libvirtd's AppArmor profile is not loaded, so libvirt confines no VM: sudo apparmor_parser -r/);
    assert.match(notes({ loadedProfiles: 'libvirtd (complain)\n' }).join('\n'), /complain mode .*aa-enforce/);
    assert.deepEqual(notes({ loadedProfiles: 'libvirtd (enforce)\n' }), []);
    assert.deepEqual(notes({ loadedProfiles: null }), [], 'an unreadable list proves nothing either way');
    for (const line of ['security_driver = "none"', 'security_driver = [ "none" ]', '  security_default_confined = 0']) {
      assert.match(notes({ qemuConfSecurity: [line] }).join('\n'), /VMs run unconfined; remove it/, line);
    }
    assert.deepEqual(notes({ qemuConfSecurity: ['security_driver = "apparmor"', 'security_default_confined = 1'] }), []);
  });
});

describe('removeManagedBlock', () => {
  it('takes out exactly the block and its newline, wherever it stands', () => {
    const block = '# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)\nx\n# END cloudlet-tasks';
    assert.equal(removeManagedBlock(`a\n${block}\nb\n`), 'a\nb\n');
    assert.equal(removeManagedBlock(`${block}\n`), '');
    assert.equal(removeManagedBlock(`a\n${block}`), 'a\n');
    assert.equal(removeManagedBlock('a\n# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)\nx\n'), 'a\n# BEGIN cloudlet-tasks (managed: edits between these markers are replaced)\nx\n', 'no end marker: left alone');
  });
});
