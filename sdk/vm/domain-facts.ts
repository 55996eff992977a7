/**
 * The hardware facts of a domain XML as libvirt writes it: what base creation records from the
 * running domain (the machine type 'pc' resolved to 'pc-i440fx-7.2'), and what an import
 * cross-checks between an archive's manifest and its save image.
 */
import { DomainSpecError } from './errors.js';
import type { DomainType, VmHardware } from './domain-xml.js';
import { parseXml, type XmlElement } from './xml-parser.js';

export interface DomainFacts {
  name: string;
  uuid: string;
  type: DomainType;
  hardware: VmHardware;
  /** Source files of the disks, in order. */
  diskFiles: string[];
}

const MEMORY_UNITS: Record<string, number> = {
  b: 1, bytes: 1, KB: 1e3, k: 1024, KiB: 1024, MB: 1e6, M: 1024 ** 2, MiB: 1024 ** 2, GB: 1e9, G: 1024 ** 3, GiB: 1024 ** 3,
};

/**
 * Reads the facts from `xml` (a string, or parsed already), refusing values our template could not have made.
 *
 * @example (await domain.xml()).then(domainFacts).hardware.machine // 'pc-i440fx-7.2'
 */
export function domainFacts(xml: string | XmlElement): DomainFacts {
  const root = typeof xml === 'string' ? parseXml(xml) : xml;
  const type = root.attributes.get('type');
  if (type !== 'kvm' && type !== 'qemu') throw new DomainSpecError('type', type, "'kvm' or 'qemu'");
  const devices = child(root, 'devices');
  const nic = devices?.children.find((device) => device.name === 'interface');
  const balloon = devices?.children.find((device) => device.name === 'memballoon');
  return {
    name: text(root, 'name'),
    uuid: text(root, 'uuid'),
    type,
    hardware: {
      memoryMiB: memoryMiB(child(root, 'memory')),
      vcpus: integer('vcpus', text(root, 'vcpu')),
      machine: child(child(root, 'os'), 'type')?.attributes.get('machine') ?? 'pc',
      nicMac: nic ? (child(nic, 'mac')?.attributes.get('address') ?? null) : null,
      // Absent rather than false without it, as in the records of bases made before the balloon.
      ...(balloon?.attributes.get('freePageReporting') === 'on' ? { freePageReporting: true } : {}),
    },
    diskFiles: (devices?.children ?? [])
      .filter((device) => device.name === 'disk')
      .map((disk) => child(disk, 'source')?.attributes.get('file') ?? ''),
  };
}

function memoryMiB(memory: XmlElement | undefined): number {
  const unit = memory?.attributes.get('unit') ?? 'KiB';
  const factor = MEMORY_UNITS[unit];
  if (factor === undefined) throw new DomainSpecError('memory unit', unit, Object.keys(MEMORY_UNITS).join(', '));
  const bytes = integer('memory', memory?.text.trim() ?? '') * factor;
  if (bytes % 1024 ** 2 !== 0) throw new DomainSpecError('memory', bytes, 'whole MiB');
  return bytes / 1024 ** 2;
}

function integer(field: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new DomainSpecError(field, value, 'a decimal integer');
  return Number(value);
}

function child(element: XmlElement | undefined, name: string): XmlElement | undefined {
  return element?.children.find((candidate) => candidate.name === name);
}

function text(element: XmlElement, name: string): string {
  return child(element, name)?.text.trim() ?? '';
}
