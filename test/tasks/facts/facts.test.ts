import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCpuInfo, parseOsRelease, parseSystemInfo } from '../../../tasks/facts/index.js';

describe('facts parsers', () => {
  it('reads /etc/os-release with quoted and unquoted values', () => {
    const os = parseOsRelease('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID_LIKE="ubuntu debian"\n');
    assert.deepEqual(os, { id: 'debian', idLike: ['ubuntu', 'debian'], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', codename: 'bookworm' });
  });

  it('finds the virtualization flag and vendor in /proc/cpuinfo', () => {
    assert.deepEqual(parseCpuInfo('vendor_id\t: GenuineIntel\nmodel name\t: Xeon\nflags\t\t: fpu vmx sse\n'), { vendor: 'intel', model: 'Xeon', virtualization: 'vmx' });
    assert.equal(parseCpuInfo('vendor_id\t: AuthenticAMD\nflags\t\t: fpu svm\n').virtualization, 'svm');
    assert.equal(parseCpuInfo('vendor_id\t: AuthenticAMD\nflags\t\t: fpu sse\n').virtualization, null);
  });

  it('splits the system probe into kernel, arch, names, cpus, C library and memory', () => {
    const info = parseSystemInfo('6.1.0-13-amd64\nx86_64\nlab1\nops\n4\nglibc 2.36\nMemTotal:  2048000 kB\nMemAvailable: 1024000 kB\n');
    assert.deepEqual(info, { kernel: '6.1.0-13-amd64', arch: 'x86_64', hostname: 'lab1', user: 'ops', cpuCount: 4, glibc: '2.36', memTotalKiB: 2048000, memAvailableKiB: 1024000 });
    assert.equal(parseSystemInfo('6.1.0\naarch64\nlab1\nops\n4\nnone\nMemTotal: 1 kB\n').glibc, null, 'musl hosts have no GNU_LIBC_VERSION');
  });
});
