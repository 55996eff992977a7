import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { fuseCheck, type DoctorCheck } from '../../../sdk/doctor/checks.js';
import { doctorReport, formatDoctorReport } from '../../../sdk/doctor/doctor.js';

const KVM: DoctorCheck = { name: 'acceleration', level: 'ok', detail: 'KVM (/dev/kvm opens read-write)' };
const NO_FUSE = fuseCheck({ deviceUsable: false, fusermount: null, userAllowOther: false });
const NO_QEMU: DoctorCheck = { name: 'qemu', level: 'fail', detail: 'qemu-system-x86_64 not found', fix: 'install it: sudo apt-get install qemu-system-x86' };

describe('the doctor verdict', () => {
  it('is ready with warnings: a host without FUSE is ready, its FUSE line a WARN', () => {
    const report = doctorReport([KVM, NO_FUSE]);
    assert.deepEqual([report.accel, report.ok], ['kvm', true]);
    const text = formatDoctorReport(report);
    assert.match(text, /^WARN {2}fuse +not used yet/m);
    assert.doesNotMatch(text, /FAIL/);
    assert.match(text, /ready for VM synthesis \(KVM\)$/);
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
