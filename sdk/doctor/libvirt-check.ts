// libvirt's client (virsh) and daemon. When the daemon does not answer, the fix depends on why
// (not running, or this user may not connect) and on the init system that would start it.
import { stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { LibvirtUnavailableError, toLibvirtError } from '../../native/libvirt/errors.js';
import { firstLine, run, type DoctorCheck } from './checks.js';

export interface LibvirtFacts {
  readonly uri: string;
  /** `virsh --version`; null when virsh is not installed. */
  readonly client: string | null;
  /** What `virsh version --daemon` printed, or why the daemon did not answer (virsh's last error line). */
  readonly daemon: { readonly answered: string } | { readonly refused: string };
  /** systemd runs this host (/run/systemd/system exists). */
  readonly systemd: boolean;
  /** Who runs the doctor: the user who would join the libvirt group. */
  readonly user: string;
}

/** @example libvirtCheck({ uri: 'qemu:///system', client: '9.0.0', daemon: { refused: '…: No such file or directory' }, systemd: true, user: 'ops' }).fix // 'start it: sudo systemctl start libvirtd' */
export function libvirtCheck(facts: LibvirtFacts): DoctorCheck {
  const { uri, client, daemon } = facts;
  if (client === null) return { name: 'libvirt', level: 'fail', detail: 'virsh not found', fix: 'install libvirt: sudo apt-get install libvirt-clients libvirt-daemon-system' };
  if ('answered' in daemon) {
    const version = /Running against daemon: ([\d.]+)/.exec(daemon.answered)?.[1] ?? '?';
    const hypervisor = /Running hypervisor: (.+)/.exec(daemon.answered)?.[1]?.trim() ?? '?';
    return { name: 'libvirt', level: 'ok', detail: `libvirt ${client}, daemon ${version} at ${uri} (${hypervisor})` };
  }
  // libvirt's message, classified as the SDK classifies it on connecting. A user outside the libvirt
  // group meets either the socket's permissions or polkit, which has no agent to ask on a server.
  const error = toLibvirtError(new Error(daemon.refused), { operation: 'connect', uri });
  const denied = (error instanceof LibvirtUnavailableError && error.reason === 'permission-denied') || /authentication unavailable|polkit/i.test(daemon.refused);
  const fix = denied
    ? `join the libvirt group: sudo usermod -aG libvirt ${facts.user}, then log in again`
    : facts.systemd
      ? 'start it: sudo systemctl start libvirtd'
      : 'start it (no systemd here): sudo virtlogd -d && sudo libvirtd -d';
  return { name: 'libvirt', level: 'fail', detail: `libvirt ${client}; daemon not reachable at ${uri}: ${daemon.refused}`, fix };
}

export async function checkLibvirt(uri: string): Promise<DoctorCheck> {
  const client = await firstLine('virsh', ['--version']);
  const daemon = client === null
    ? { refused: 'virsh not found' }
    : await run('virsh', ['-c', uri, 'version', '--daemon'], { timeout: 10_000 }).then(
        ({ stdout }) => ({ answered: stdout }),
        (error: { stderr?: string; message: string }) => ({ refused: lastErrorLine(error.stderr || error.message) }),
      );
  const systemd = await stat('/run/systemd/system').then((found) => found.isDirectory(), () => false);
  return libvirtCheck({ uri, client, daemon, systemd, user: currentUser() });
}

/** virsh says "failed to connect to the hypervisor" first; the cause (socket, permission) comes last. */
function lastErrorLine(stderr: string): string {
  const lines = stderr.trim().split('\n').filter((line) => line.trim() !== '');
  return (lines.at(-1) ?? 'no answer').replace(/^error:\s*/, '').trim();
}

function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return '$USER'; // a uid without a passwd entry: the shell still knows who it is
  }
}
