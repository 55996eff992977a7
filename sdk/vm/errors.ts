/** Errors of sdk/vm: domain XML in and out, and waiting for a guest. Each carries its data. */
import { CloudletError } from '../errors/cloudlet-error.js';

export class VmError extends CloudletError {
  static override readonly code: string = 'vm';
}

/** Text that is not the strict XML subset a domain XML may use. */
export class XmlSyntaxError extends VmError {
  static override readonly code: string = 'vm-xml-syntax';
  constructor(readonly offset: number, readonly problem: string) {
    super(`XML at character ${offset}: ${problem}`);
  }
}

/** One reason an untrusted domain XML is refused: where (an element path) and what. */
export interface DomainXmlViolation {
  path: string;
  rule: DomainXmlRule;
  detail: string;
}

export type DomainXmlRule =
  | 'syntax'
  | 'root'
  | 'extension-namespace'
  | 'boot-path'
  | 'extra-disk'
  | 'disk-source'
  | 'device'
  | 'network'
  | 'security-label'
  | 'element';

/** An untrusted domain XML asks for more than the VM we define: extra disks, host devices, QEMU arguments, … */
export class UnsafeDomainXmlError extends VmError {
  static override readonly code: string = 'vm-unsafe-domain-xml';
  constructor(readonly source: string, readonly violations: readonly DomainXmlViolation[]) {
    super(`refusing the domain XML from ${source}: ${violations.map((v) => `${v.path}: ${v.detail}`).join('; ')}`);
  }
}

/** A value given to the domain template is out of range or unsafe to embed. */
export class DomainSpecError extends VmError {
  static override readonly code: string = 'vm-domain-spec';
  constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
    super(`domain ${field} ${JSON.stringify(value)}: expected ${expected}`);
  }
}

/** The readiness condition did not hold in time. */
export class ReadinessTimeoutError extends VmError {
  static override readonly code: string = 'vm-readiness-timeout';
  constructor(readonly condition: string, readonly timeoutMs: number, readonly lastSerialLines: readonly string[]) {
    super(`the VM was not ready (${condition}) within ${timeoutMs} ms; last console lines: ${lastSerialLines.join(' | ') || '(none)'}`);
  }
}

/** The VM stopped (crashed, powered off, was destroyed) while we waited for it. */
export class VmStoppedError extends VmError {
  static override readonly code: string = 'vm-stopped';
  constructor(readonly domain: string, readonly state: string, readonly waitingFor: string, readonly lastSerialLines: readonly string[]) {
    super(`VM ${domain} is ${state} while waiting for ${waitingFor}; last console lines: ${lastSerialLines.join(' | ') || '(none)'}`);
  }
}
