/**
 * `--ready serial:TEXT | tcp:PORT | tcp:HOSTPORT:GUESTPORT | delay:SECONDS`: when `cloudlet base`
 * saves the booted VM. serial matches TEXT anywhere in a console line (plain text, not a regex,
 * so people need not escape it); tcp forwards a host port to the guest port and waits for a
 * service to answer there.
 */
import type { PortForward } from '../../native/libvirt/index.js';
import type { Readiness } from '../vm/index.js';
import { UsageError } from './command.js';

export interface ReadyChoice {
  readiness: Readiness;
  /** The forward a tcp condition needs. */
  forwards: PortForward[];
}

/** What --ready defaults to: a login prompt on the serial console (console=ttyS0 with a getty). */
export const DEFAULT_READY = 'serial:login:';

/** @example parseReadyOption('tcp:2222:22', 300_000) // forwards 127.0.0.1:2222 to guest port 22 */
export function parseReadyOption(value: string, timeoutMs: number): ReadyChoice {
  const colon = value.indexOf(':');
  const kind = colon < 0 ? value : value.slice(0, colon);
  const rest = colon < 0 ? '' : value.slice(colon + 1);
  if (kind === 'serial' && rest !== '') {
    return { readiness: { kind: 'serial', pattern: literalPattern(rest), timeoutMs }, forwards: [] };
  }
  if (kind === 'tcp' && /^\d{1,5}(:\d{1,5})?$/.test(rest)) {
    const [hostPort, guestPort = hostPort] = rest.split(':').map(Number) as [number, number?];
    if (hostPort < 1 || hostPort > 65535 || guestPort < 1 || guestPort > 65535) throw new UsageError(`--ready ${value}: ports go from 1 to 65535`);
    return { readiness: { kind: 'tcp', port: hostPort, timeoutMs }, forwards: [{ protocol: 'tcp', hostPort, guestPort }] };
  }
  if (kind === 'delay' && /^\d+(\.\d+)?$/.test(rest)) {
    return { readiness: { kind: 'delay', ms: Math.round(Number(rest) * 1000) }, forwards: [] };
  }
  throw new UsageError(`--ready ${value}: expected serial:TEXT, tcp:PORT, tcp:HOSTPORT:GUESTPORT or delay:SECONDS`);
}

/** A pattern matching `text` literally, anywhere in a line. */
export function literalPattern(text: string): RegExp {
  return new RegExp(text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'));
}
