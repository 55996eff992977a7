import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HostRefused } from '../../../../tasks/install/step.js';
import { planPreflight, type PreflightFacts } from '../../../../tasks/install/steps/preflight.js';
import { AMD_NO_VIRT, DEBIAN_12, INTEL, SETTINGS, UBUNTU, system } from './facts.js';

const good: PreflightFacts = { os: DEBIAN_12, system: system(), cpu: INTEL, kvm: { exists: true, usable: true }, freeDiskMiB: 50 * 1024 };

describe('preflight planner', () => {
  it('accepts a KVM-capable Debian 12 host and says so', () => {
    const plan = planPreflight(good, SETTINGS);
    assert.equal(plan.kind, 'unchanged');
    assert.match(plan.kind === 'unchanged' ? plan.reason : '', /KVM \(vmx\)/);
    assert.deepEqual(plan.notes, []);
  });

  it('sets up a host without vmx/svm or /dev/kvm, with a loud TCG note', () => {
    for (const facts of [{ ...good, cpu: AMD_NO_VIRT }, { ...good, kvm: { exists: false, usable: false } }]) {
      const plan = planPreflight(facts, SETTINGS);
      assert.equal(plan.kind, 'unchanged');
      assert.match(plan.notes![0]!, /TCG EMULATION/);
    }
  });

  it('refuses unsupported releases unless forced', () => {
    for (const os of [UBUNTU('16.04'), { ...DEBIAN_12, versionId: '10' }, { ...DEBIAN_12, id: 'fedora', prettyName: 'Fedora 40' }]) {
      assert.throws(() => planPreflight({ ...good, os }, SETTINGS), HostRefused);
      const forced = planPreflight({ ...good, os }, { ...SETTINGS, force: true });
      assert.match(forced.notes!.join(' '), /--force/);
    }
    assert.equal(planPreflight({ ...good, os: UBUNTU('18.04') }, SETTINGS).kind, 'unchanged');
  });

  it('takes x86_64 and aarch64 hosts whose glibc runs the shipped Node, and refuses the rest with the reason', () => {
    assert.equal(planPreflight({ ...good, system: system({ arch: 'aarch64' }) }, SETTINGS).kind, 'unchanged');
    assert.throws(() => planPreflight({ ...good, system: system({ arch: 'ppc64le' }) }, SETTINGS), /ppc64le is not supported/);
    // Ubuntu 18.04: a supported release whose glibc is too old for Node 20, refused before anything is installed.
    assert.throws(() => planPreflight({ ...good, os: UBUNTU('18.04'), system: system({ glibc: '2.27' }) }, SETTINGS), /glibc 2\.27: .*needs glibc >= 2\.28/);
    assert.throws(() => planPreflight({ ...good, system: system({ glibc: null }) }, { ...SETTINGS, force: true }), /no glibc/);
    assert.equal(planPreflight({ ...good, os: UBUNTU('20.04'), system: system({ glibc: '2.31' }) }, SETTINGS).kind, 'unchanged');
  });

  it('refuses hosts below the RAM and disk minimums', () => {
    assert.throws(() => planPreflight({ ...good, system: system({ memTotalKiB: 512 * 1024 }) }, SETTINGS), /--min-ram-mb/);
    assert.throws(() => planPreflight({ ...good, freeDiskMiB: 2048 }, SETTINGS), /--min-disk-gb/);
    assert.equal(planPreflight({ ...good, freeDiskMiB: 2048 }, { ...SETTINGS, minDiskGiB: 1 }).kind, 'unchanged');
  });

  it('warns about the FUSE + mmap + EPT crash on kernels below 3.13', () => {
    const plan = planPreflight({ ...good, system: system({ kernel: '3.2.0-4-amd64' }) }, { ...SETTINGS, force: true });
    assert.match(plan.notes!.join(' '), /older than 3\.13/);
  });
});
