import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuseCheck, type DoctorCheck } from '../../../sdk/doctor/checks.js';
import { doctorReport, formatDoctorReport } from '../../../sdk/doctor/doctor.js';

const KVM: DoctorCheck = { name: 'acceleration', level: 'ok', detail: 'KVM (/dev/kvm opens read-write)' };
const NO_FUSE = fuseCheck({ module: { loads: true }, deviceUsable: false, fusermount: null, userAllowOther: false, root: true });
const TCG: DoctorCheck = { name: 'acceleration', level: 'warn', detail: 'TCG emulation (/dev/kvm is missing); VMs run many times slower', fix: 'enable VT-x/AMD-V and load the kvm module' };
const NO_QEMU: DoctorCheck = { name: 'qemu', level: 'fail', detail: 'qemu-system-x86_64 not found', fix: 'install it: sudo apt-get install qemu-system-x86' };

describe('the doctor verdict', () => {
  it('is ready with warnings: a host without KVM is ready, its acceleration line a WARN', () => {
    const report = doctorReport([TCG]);
    assert.deepEqual([report.accel, report.ok], ['tcg', true]);
    const text = formatDoctorReport(report);
    assert.match(text, /^WARN {2}acceleration +TCG emulation/m);
    assert.doesNotMatch(text, /FAIL/);
    assert.match(text, /ready for VM synthesis \(TCG\)$/);
  });

  it('is not ready without FUSE (early start needs it)', () => {
    const report = doctorReport([KVM, NO_FUSE]);
    assert.equal(report.ok, false);
    assert.match(formatDoctorReport(report), /^FAIL {2}fuse +early start needs it/m);
  });

  it('is not ready when a check fails, and shows its fix under it', () => {
    const report = doctorReport([KVM, NO_QEMU, NO_FUSE]);
    assert.equal(report.ok, false);
    assert.match(formatDoctorReport(report), /^FAIL {2}qemu .*\n {6}.* -> install it: sudo apt-get install qemu-system-x86$/m);
    assert.match(formatDoctorReport(report), /NOT ready: fix the FAIL lines above$/);
  });

  it('says TCG unless the acceleration check passed', () => {
    assert.equal(doctorReport([{ ...KVM, level: 'warn' }]).accel, 'tcg');
  });
});
