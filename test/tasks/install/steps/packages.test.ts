import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { packagesFor, planPackages } from '../../../../tasks/install/steps/packages.js';
import { DEBIAN_12, UBUNTU } from './facts.js';

describe('packages planner', () => {
  it('picks the QEMU and FUSE packages of each release', () => {
    const tools = ['g++', 'make', 'python3', 'pkg-config', 'libvirt-dev'];
    assert.deepEqual(packagesFor(DEBIAN_12, []), ['qemu-system-x86', 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients', 'fuse', 'xz-utils', 'openssh-client', ...tools]);
    assert.equal(packagesFor(DEBIAN_12, [], 'aarch64')[0], 'qemu-system-arm');
    assert.equal(packagesFor(UBUNTU('18.04'), [])[0], 'qemu-kvm');
    assert.deepEqual(packagesFor(UBUNTU('22.04'), []).slice(4, 6), ['fuse3', 'libfuse2']);
    assert.deepEqual(packagesFor(UBUNTU('24.04'), []).slice(4, 6), ['fuse3', 'libfuse2t64']);
    assert.deepEqual(packagesFor(DEBIAN_12, ['fuse3']).slice(4, 6), ['fuse3', 'libfuse2'], 'never swap an installed fuse3 for fuse');
  });

  it('installs only what is missing, non-interactively, waiting for the dpkg lock', () => {
    const plan = planPackages({ os: DEBIAN_12, arch: 'x86_64', installed: ['qemu-utils', 'xz-utils', 'fuse', 'openssh-client', 'g++', 'make', 'python3', 'pkg-config', 'libvirt-dev'] });
    assert.equal(plan.kind, 'change');
    if (plan.kind !== 'change') return;
    assert.equal(plan.actions[0]!.description, 'apt-get install qemu-system-x86 libvirt-daemon-system libvirt-clients');
    const command = plan.actions[0]!.kind === 'command' ? plan.actions[0]!.command.text : '';
    assert.match(command, /DEBIAN_FRONTEND=noninteractive/);
    assert.match(command, /DPkg::Lock::Timeout=600/);
    assert.match(command, /--no-install-recommends qemu-system-x86 libvirt-daemon-system libvirt-clients/);
  });

  it('changes nothing when everything is installed', () => {
    const plan = planPackages({ os: DEBIAN_12, arch: 'x86_64', installed: packagesFor(DEBIAN_12, []) });
    assert.equal(plan.kind, 'unchanged');
  });
});
