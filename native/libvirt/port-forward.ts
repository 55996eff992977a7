/**
 * Host port forwards into a running domain's user-mode network. libvirt 9.0 only forwards ports
 * for the passt backend (not installed here, and not migratable), and the binding has no monitor
 * passthrough, so this asks QEMU's monitor through `virsh qemu-monitor-command --hmp hostfwd_add`.
 * Forwards are QEMU network-backend settings, not guest state: add them again after a restore.
 */
import { execa, ExecaError } from 'execa';
import { LibvirtOperationError, PortInUseError, toLibvirtError } from './errors.js';
import { missingTool } from '../host-tool.js';

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
 * Forwards a host port to a guest port of the domain's first user-mode NIC (libvirt names its
 * backend 'hostnet0'). PortInUseError when QEMU cannot listen there.
 *
 * @example await addPortForward('qemu:///system', 'vm1', { protocol: 'tcp', hostPort: 2222, guestPort: 22 });
 */
export async function addPortForward(uri: string, domain: string, forward: PortForward, netdev = 'hostnet0'): Promise<void> {
  const hostAddress = forward.hostAddress ?? '127.0.0.1';
  const valid = (port: number) => Number.isInteger(port) && port > 0 && port < 65536;
  // Every value goes into a monitor command line: check them all, so nothing else can.
  if (!IPV4.test(hostAddress) || !valid(forward.hostPort) || !valid(forward.guestPort) || !['tcp', 'udp'].includes(forward.protocol) || !/^[\w-]+$/.test(netdev)) {
    throw new RangeError(`invalid port forward ${JSON.stringify(forward)} on ${netdev}`);
  }
  const rule = `${forward.protocol}:${hostAddress}:${forward.hostPort}-:${forward.guestPort}`;
  let output: string;
  try {
    output = (await execa('virsh', ['-c', uri, 'qemu-monitor-command', domain, '--hmp', `hostfwd_add ${netdev} ${rule}`])).stdout.trim();
  } catch (error) {
    const missing = missingTool(error, 'virsh');
    if (missing) throw missing;
    const message = error instanceof ExecaError ? String(error.stderr ?? error.message).replace(/^error: /gm, '').trim() : String(error);
    throw toLibvirtError(new Error(message), { operation: 'add port forward', uri, domain });
  }
  // HMP answers success with nothing and failure with a sentence, both with exit code 0.
  if (/Could not set up host forwarding rule/i.test(output)) throw new PortInUseError(uri, domain, forward.protocol, hostAddress, forward.hostPort, output);
  if (output !== '') throw new LibvirtOperationError('add port forward', uri, domain, output);
}
