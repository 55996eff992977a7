/**
 * `cloudlet overlay --ssh USER@HOST[:PORT] --ssh-key FILE (--known-hosts FILE | --host-key SHA256:…)`:
 * where the customization script runs over SSH instead of being typed on the console. The host key
 * check is mandatory (no trust on first use): a VM that was resumed a moment ago is exactly where
 * an unverified first connection would go unnoticed. The port must be one --forward brings in,
 * since user-mode networking reaches the guest no other way.
 */
import type { PortForward } from '../../native/libvirt/index.js';
import { FINGERPRINT, type SshScript } from '../customize/index.js';
import { UsageError } from './command.js';

const DESTINATION = /^([A-Za-z0-9_][A-Za-z0-9._-]*)@([A-Za-z0-9_][A-Za-z0-9._-]*)(?::(\d{1,5}))?$/;

export interface SshOptionValues {
  ssh?: string | undefined;
  'ssh-key'?: string | undefined;
  'known-hosts'?: string | undefined;
  'host-key'?: string | undefined;
  script?: string | undefined;
}

/**
 * The SSH script run the options ask for, or undefined without --ssh (the script is then typed on
 * the console). UsageError for incomplete or contradictory options.
 *
 * @example parseSshOptions({ ssh: 'root@127.0.0.1:2222', 'ssh-key': 'id', 'host-key': 'SHA256:…', script: 'setup.sh' }, forwards, 300_000)
 */
export function parseSshOptions(values: SshOptionValues, forwards: readonly PortForward[], connectTimeoutMs: number): SshScript | undefined {
  if (values.ssh === undefined) {
    for (const option of ['ssh-key', 'known-hosts', 'host-key'] as const) {
      if (values[option] !== undefined) throw new UsageError(`--${option} needs --ssh`);
    }
    return undefined;
  }
  const match = DESTINATION.exec(values.ssh);
  const port = Number(match?.[3] ?? 22);
  if (!match || port < 1 || port > 65535) throw new UsageError(`--ssh ${values.ssh}: expected USER@HOST or USER@HOST:PORT, port 1 to 65535`);
  if (values.script === undefined) throw new UsageError('--ssh runs a --script FILE in the guest; give one');
  if (values['ssh-key'] === undefined) throw new UsageError('--ssh needs --ssh-key FILE, the private key to log in with');
  if ((values['known-hosts'] === undefined) === (values['host-key'] === undefined)) {
    throw new UsageError('--ssh needs exactly one of --known-hosts FILE or --host-key SHA256:… to verify the guest');
  }
  if (values['host-key'] !== undefined && !FINGERPRINT.test(values['host-key'])) {
    throw new UsageError(`--host-key ${values['host-key']}: expected a SHA256: fingerprint as ssh-keygen -l prints it`);
  }
  if (!forwards.some((forward) => forward.protocol === 'tcp' && forward.hostPort === port)) {
    throw new UsageError(`--ssh ${values.ssh}: no --forward brings host port ${port} into the VM; add --forward tcp:${port}:22`);
  }
  return {
    target: { user: match[1]!, host: match[2]!, port },
    identityFile: values['ssh-key'],
    hostKey: values['host-key'] !== undefined ? { fingerprint: values['host-key'] } : { knownHostsFile: values['known-hosts']! },
    scriptFile: values.script,
    connectTimeoutMs,
  };
}
