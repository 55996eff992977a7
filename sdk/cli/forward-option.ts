/**
 * `--forward tcp:HOSTPORT:GUESTPORT` (or tcp:ADDRESS:HOSTPORT:GUESTPORT, udp likewise): a host
 * port forwarded into the VM's user-mode network, for the overlay and synthesis commands.
 */
import type { PortForward } from '../../native/libvirt/index.js';
import { UsageError } from './command.js';

const FORWARD = /^(tcp|udp):(?:(\d{1,3}(?:\.\d{1,3}){3}):)?(\d{1,5}):(\d{1,5})$/;

/** @example parseForwardOption('tcp:2222:22') // { protocol: 'tcp', hostPort: 2222, guestPort: 22 } */
export function parseForwardOption(value: string): PortForward {
  const match = FORWARD.exec(value);
  const [hostPort, guestPort] = [Number(match?.[3]), Number(match?.[4])];
  if (!match || hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) {
    throw new UsageError(`--forward ${value}: expected tcp:HOSTPORT:GUESTPORT or tcp:ADDRESS:HOSTPORT:GUESTPORT (udp likewise), ports 1 to 65535`);
  }
  return { protocol: match[1] as PortForward['protocol'], ...(match[2] ? { hostAddress: match[2] } : {}), hostPort, guestPort };
}
