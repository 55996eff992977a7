/**
 * KVM or TCG for the domains we run, decided the way `cloudlet doctor` decides it: the CPU must show
 * vmx/svm AND /dev/kvm must open read-write. /dev/kvm alone is not enough: paravirtual KVM modules
 * (kvm_pvm) open fine but cannot run stock guests.
 */
import { checkAcceleration } from '../doctor/checks.js';
import type { DomainType } from './domain-xml.js';

export interface Acceleration {
  /** The libvirt domain type: 'kvm' for hardware virtualization, 'qemu' for TCG emulation. */
  domainType: DomainType;
  /** Why, in words a person can act on (e.g. "TCG emulation (the CPU shows no vmx/svm flag)"). */
  detail: string;
}

/** @example const { domainType, detail } = await detectAcceleration(); */
export async function detectAcceleration(): Promise<Acceleration> {
  const check = await checkAcceleration();
  return { domainType: check.level === 'ok' ? 'kvm' : 'qemu', detail: check.detail };
}
