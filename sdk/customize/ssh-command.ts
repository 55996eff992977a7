/**
 * The OpenSSH client command lines for customizing a VM, and what ssh's stderr means. The system
 * `ssh` is used (not a library) because cloudlet hosts already have it and operators know its
 * behaviour; it is pinned down to be safe unattended: no config files, no agent, no passwords or
 * prompts (BatchMode), the host key checked strictly against one known_hosts file, nothing ever
 * written to it, no forwardings, no TTY.
 */

/** Where the guest's sshd answers, typically a host port forwarded to the guest's port 22. */
export interface SshTarget {
  user: string;
  host: string;
  port: number;
}

/** How the server's host key is verified: a known_hosts file, or a pinned `SHA256:` fingerprint. */
export type HostKeyCheck = { knownHostsFile: string } | { fingerprint: string };

/** What ssh's failure says; undefined when stderr carries none of ssh's own messages (the remote command failed). */
export type SshFailure = 'host-key' | 'auth' | 'refused' | 'timeout' | 'closed';

/** Seconds ssh gets for the TCP connection and the banner of a guest that may still be starting. */
const CONNECT_TIMEOUT_S = 10;

/** A user or host that ssh could read as an option, or that is not a plain name, is refused by the parsers before this. */
const NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** @example formatDestination({ user: 'root', host: '127.0.0.1', port: 2222 }) // 'root@127.0.0.1:2222' */
export function formatDestination(target: SshTarget): string {
  return `${target.user}@${target.host}:${target.port}`;
}

/**
 * The argv (without 'ssh') that runs `command` as `target.user` with only `identityFile`,
 * trusting only the keys in `knownHostsFile`.
 *
 * @example execa('ssh', sshArgs(target, '/root/.ssh/id_ed25519', 'known_hosts', ['sh', '-s']))
 */
export function sshArgs(target: SshTarget, identityFile: string, knownHostsFile: string, command: readonly string[]): string[] {
  if (!NAME.test(target.user) || !NAME.test(target.host)) throw new RangeError(`invalid SSH destination ${formatDestination(target)}`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) throw new RangeError(`invalid SSH port ${target.port}`);
  const options = {
    BatchMode: 'yes',
    StrictHostKeyChecking: 'yes',
    UserKnownHostsFile: knownHostsFile,
    GlobalKnownHostsFile: '/dev/null',
    UpdateHostKeys: 'no',
    IdentitiesOnly: 'yes',
    IdentityAgent: 'none',
    PasswordAuthentication: 'no',
    KbdInteractiveAuthentication: 'no',
    ControlMaster: 'no',
    ControlPath: 'none',
    ClearAllForwardings: 'yes',
    ForwardAgent: 'no',
    ForwardX11: 'no',
    ConnectTimeout: String(CONNECT_TIMEOUT_S),
    // A guest that hangs or dies mid-script ends the session within a minute instead of never.
    ServerAliveInterval: '15',
    ServerAliveCountMax: '4',
    LogLevel: 'ERROR',
  };
  return [
    '-F', 'none', '-T',
    ...Object.entries(options).flatMap(([key, value]) => ['-o', `${key}=${value}`]),
    '-i', identityFile,
    '-p', String(target.port),
    '-l', target.user,
    target.host,
    ...command,
  ];
}

/**
 * Classifies a failed ssh run by its stderr. ssh exits 255 both for its own failures and when the
 * remote command exits 255, so the message decides.
 */
export function classifySshFailure(stderr: string): SshFailure | undefined {
  if (/Host key verification failed|REMOTE HOST IDENTIFICATION HAS CHANGED|host key is known|Host key for .* has changed/i.test(stderr)) return 'host-key';
  if (/Permission denied \(|Too many authentication failures|no mutual signature algorithm/i.test(stderr)) return 'auth';
  if (/Connection refused|No route to host|Network is unreachable/i.test(stderr)) return 'refused';
  if (/timed out|Operation timed out/i.test(stderr)) return 'timeout';
  if (/kex_exchange_identification|Connection (reset|closed) by|Connection to .* closed by remote host|banner exchange|ssh_exchange_identification/i.test(stderr)) return 'closed';
  return undefined;
}

/** ssh's own message: its stderr's last non-empty line. */
export function sshMessage(stderr: string): string {
  return stderr.trim().split('\n').map((line) => line.trim()).filter((line) => line !== '').at(-1) ?? '';
}
