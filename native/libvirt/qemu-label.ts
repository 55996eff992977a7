/**
 * The user and group QEMU runs as under a libvirt connection: the DAC security driver's base
 * label, which `virsh capabilities` reports per domain type (`<baselabel type='kvm'>+64055:+64055`).
 * The binding has no capabilities call, hence virsh. No DAC driver (a session connection, or
 * `security_driver = "none"`) means libvirt changes no owners and QEMU runs as the connection's
 * user: there is nothing to share, and the answer is undefined.
 */
import { virsh } from './virsh.js';

/** Numeric credentials of QEMU processes. */
export interface QemuLabel {
  uid: number;
  gid: number;
}

/**
 * Reads the DAC base label for `domainType` from capabilities XML.
 *
 * @example parseDacBaseLabel(xml, 'qemu') // { uid: 64055, gid: 64055 }
 */
export function parseDacBaseLabel(capabilities: string, domainType: 'kvm' | 'qemu'): QemuLabel | undefined {
  for (const [, model] of capabilities.matchAll(/<secmodel>([\s\S]*?)<\/secmodel>/g)) {
    if (!/<model>\s*dac\s*<\/model>/.test(model!)) continue;
    const label = new RegExp(`<baselabel type='${domainType}'>\\+(\\d+):\\+(\\d+)</baselabel>`).exec(model!);
    return label ? { uid: Number(label[1]), gid: Number(label[2]) } : undefined;
  }
  return undefined;
}

/**
 * Who QEMU runs as for domains of `domainType` at `uri`, or undefined where libvirt does no DAC labelling.
 *
 * @example const label = await qemuDacLabel('qemu:///system', 'qemu');
 */
export async function qemuDacLabel(uri: string, domainType: 'kvm' | 'qemu'): Promise<QemuLabel | undefined> {
  return parseDacBaseLabel(await virsh(uri, ['capabilities'], { operation: 'read capabilities' }), domainType);
}
