// Step 2: the packages a cloudlet needs, through apt, non-interactive, only what is
// missing. apt waits for a held dpkg lock (DPkg::Lock::Timeout) and retries downloads.
import { sh } from '../../command/command.js';
import { osRelease, systemInfo, type OsRelease } from '../../facts/index.js';
import { defineStep, type InstallSettings, type Plan } from '../step.js';
import { compareVersions } from './versions.js';

export interface PackageFacts {
  readonly os: OsRelease;
  /** `uname -m`. */
  readonly arch: string;
  /** Names of the queried packages that are installed. */
  readonly installed: readonly string[];
}

// deploy-sdk builds the SDK's native addons (libzstd, libvirt bindings) on the host, for the host.
const BUILD_TOOLS = ['g++', 'make', 'python3', 'pkg-config', 'libvirt-dev'];
const QUERIED = ['qemu-system-x86', 'qemu-system-arm', 'qemu-kvm', 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients', 'fuse', 'fuse3', 'libfuse2', 'libfuse2t64', 'xz-utils', 'openssh-client', ...BUILD_TOOLS];
const LOCK_WAIT_S = 600;

/** The packages wanted on this distribution and release. */
export function packagesFor(os: OsRelease, installed: readonly string[], arch = 'x86_64'): string[] {
  const ubuntu = os.id === 'ubuntu';
  // qemu-system-arm carries qemu-system-aarch64.
  const qemu = arch === 'aarch64' ? 'qemu-system-arm' : ubuntu && compareVersions(os.versionId, '20.04') < 0 ? 'qemu-kvm' : 'qemu-system-x86';
  // fuse-native needs libfuse2; the `fuse` package brings it with fusermount but conflicts with fuse3.
  const libfuse2 = ubuntu && compareVersions(os.versionId, '24.04') >= 0 ? 'libfuse2t64' : 'libfuse2';
  const fuse = installed.includes('fuse3') || (ubuntu && compareVersions(os.versionId, '22.04') >= 0) ? ['fuse3', libfuse2] : ['fuse'];
  // openssh-client: `cloudlet overlay --ssh` runs customization scripts in guests through ssh.
  return [qemu, 'qemu-utils', 'libvirt-daemon-system', 'libvirt-clients', ...fuse, 'xz-utils', 'openssh-client', ...BUILD_TOOLS];
}

export function planPackages(facts: PackageFacts): Plan {
  const wanted = packagesFor(facts.os, facts.installed, facts.arch);
  const missing = wanted.filter((name) => !facts.installed.includes(name));
  if (missing.length === 0) return { kind: 'unchanged', reason: `installed: ${wanted.join(', ')}` };
  const apt = sh`apt-get -q -o DPkg::Lock::Timeout=${LOCK_WAIT_S} -o Acquire::Retries=3`;
  const script = [
    'export DEBIAN_FRONTEND=noninteractive',
    `${apt.text} update || { sleep 5; ${apt.text} update; }`,
    `${apt.text} -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install --no-install-recommends ${sh`${missing}`.text}`,
  ].join('\n');
  return { kind: 'change', actions: [{ kind: 'command', description: `apt-get install ${missing.join(' ')}`, command: sh`sh -c ${script}` }] };
}

export const packages = defineStep<PackageFacts, InstallSettings>({
  name: 'packages',
  title: 'Packages',
  async gather(ctx) {
    const [os, { arch }] = await Promise.all([ctx.fact(osRelease), ctx.fact(systemInfo)]);
    const query = await ctx.run(sh`dpkg-query -W -f=${'${Package} ${db:Status-Abbrev}\n'} ${QUERIED}`, { check: false, quiet: true });
    const installed = query.stdout
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([, status]) => status === 'ii')
      .map(([name]) => name!);
    return { os, arch, installed };
  },
  plan: planPackages,
});
