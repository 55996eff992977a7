/**
 * Host port forwards into a running domain's user-mode network. libvirt 9.0 only forwards ports
 * for the passt backend (not installed here, and not migratable), and the binding has no monitor
 * passthrough, so this asks QEMU's monitor through `virsh qemu-monitor-command --hmp hostfwd_add`,
 * naming the domain by its UUID.
 * Forwards are QEMU network-backend settings, not guest state: add them again after a restore.
 */
import { DOMAIN_UUID, type DomainRef } from './domain.js';
import { LibvirtOperationError, PortInUseError } from './errors.js';
import { virsh } from './virsh.js';

/** A host TCP port forwarded to a port of the VM. */
export interface PortForward {
  protocol: 'tcp' | 'udp';
  /** IPv4 address on the host to listen on; default 127.0.0.1. */
  hostAddress?: string;
  hostPort: number;
  guestPort: number;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

/**
 * The virsh command line that adds `forward` to `domain`: the domain by UUID, never by name, since
 * virsh reads a name of digits as a domain ID (`3` is whichever domain runs as ID 3) and a
 * UUID-shaped name as a UUID. Every value is checked, for all of them go into a monitor command.
 *
 * @example hostForwardCommand(vm, { protocol: 'tcp', hostPort: 2222, guestPort: 22 })
 * // ['qemu-monitor-command', '--domain', vm.uuid, '--hmp', 'hostfwd_add hostnet0 tcp:127.0.0.1:2222-:22']
 */
export function hostForwardCommand(domain: DomainRef, forward: PortForward, netdev = 'hostnet0'): string[] {
  const hostAddress = forward.hostAddress ?? '127.0.0.1';
  const valid = (port: number) => Number.isInteger(port) && port > 0 && port < 65536;
  if (!IPV4.test(hostAddress) || !valid(forward.hostPort) || !valid(forward.guestPort) || !['tcp', 'udp'].includes(forward.protocol) || !/^[\w-]+$/.test(netdev)) {
    throw new RangeError(`invalid port forward ${JSON.stringify(forward)} on ${netdev}`);
  }
  if (!DOMAIN_UUID.test(domain.uuid)) throw new RangeError(`invalid domain UUID ${JSON.stringify(domain.uuid)} of '${domain.name}'`);
  return ['qemu-monitor-command', '--domain', domain.uuid, '--hmp', `hostfwd_add ${netdev} ${forward.protocol}:${hostAddress}:${forward.hostPort}-:${forward.guestPort}`];
}

/**
 * Forwards a host port to a guest port of the domain's first user-mode NIC (libvirt names its
 * backend 'hostnet0'). PortInUseError when QEMU cannot listen there.
 *
 * @example await addPortForward('qemu:///system', vm, { protocol: 'tcp', hostPort: 2222, guestPort: 22 });
 */
export async function addPortForward(uri: string, domain: DomainRef, forward: PortForward, netdev = 'hostnet0'): Promise<void> {
  const output = await virsh(uri, hostForwardCommand(domain, forward, netdev), { operation: 'add port forward', domain: domain.name });
  // HMP answers success with nothing and failure with a sentence, both with exit code 0.
  if (/Could not set up host forwarding rule/i.test(output)) throw new PortInUseError(uri, domain.name, forward.protocol, forward.hostAddress ?? '127.0.0.1', forward.hostPort, output);
  if (output !== '') throw new LibvirtOperationError('add port forward', uri, domain.name, output);
}
