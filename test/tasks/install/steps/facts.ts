// Facts of typical hosts, fed to the planners in unit tests.
import type { CpuInfo, OsRelease, SystemInfo } from '../../../../tasks/facts/index.js';
import type { InstallSettings } from '../../../../tasks/install/step.js';

export const DEBIAN_12: OsRelease = { id: 'debian', idLike: [], versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)', codename: 'bookworm' };
export const UBUNTU = (versionId: string): OsRelease => ({ id: 'ubuntu', idLike: ['debian'], versionId, prettyName: `Ubuntu ${versionId}`, codename: '' });
export const INTEL: CpuInfo = { vendor: 'intel', model: 'Xeon', virtualization: 'vmx' };
export const AMD_NO_VIRT: CpuInfo = { vendor: 'amd', model: 'EPYC', virtualization: null };

export function system(overrides: Partial<SystemInfo> = {}): SystemInfo {
  return { kernel: '6.1.0-13-amd64', arch: 'x86_64', hostname: 'lab1', user: 'ops', memTotalKiB: 8 * 1024 * 1024, memAvailableKiB: 6 * 1024 * 1024, cpuCount: 4, glibc: '2.36', ...overrides };
}

export const SETTINGS: InstallSettings = { user: 'ops', minRamMiB: 1024, minDiskGiB: 10, disableEpt: false, force: false, prefix: '/opt/cloudlet-tasks' };
