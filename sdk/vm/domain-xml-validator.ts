/**
 * Judges a domain XML from an untrusted source (the XML inside an imported save image or an
 * overlay). We never run such XML; the VM is rebuilt from our template (domain-xml.ts). This check
 * proves the source did not ask for more than that template can express, and refuses it if it did.
 *
 * It is an allowlist: only the elements libvirt writes for a domain made from our template pass
 * (its own defaults and addresses included). Everything else is refused with a rule naming why:
 * QEMU pass-through (qemu:commandline, any extension namespace), kernel/initrd/loader/nvram/dtb
 * paths, more disks than the template has or non-file disks, host devices, shared filesystems and
 * every other device kind, networks other than user-mode, host paths outside the disk and console,
 * and security labels that would run QEMU with chosen credentials.
 */
import { XmlSyntaxError, UnsafeDomainXmlError, type DomainXmlRule, type DomainXmlViolation } from './errors.js';
import { parseXml, type XmlElement } from './xml-parser.js';

export interface DomainXmlCheckOptions {
  /** Disks (device='disk') the VM may have; our template has one. */
  maxDisks?: number;
}

const TOP_LEVEL = new Set(['name', 'uuid', 'title', 'description', 'memory', 'currentMemory', 'vcpu', 'os', 'features', 'cpu', 'clock', 'on_poweroff', 'on_reboot', 'on_crash', 'pm', 'devices', 'seclabel', 'resource']);
const OS_CHILDREN = new Set(['type', 'boot', 'bootmenu']);
const OS_PATHS = new Set(['kernel', 'initrd', 'cmdline', 'dtb', 'loader', 'nvram', 'acpi']);
const DEVICES = new Set(['emulator', 'disk', 'controller', 'serial', 'console', 'input', 'memballoon', 'interface', 'audio']);
const COOKIE_CHILDREN = new Set(['cpu', 'slirpHelper']);
const EMULATORS = new Set(['/usr/bin/qemu-system-x86_64', '/usr/bin/kvm']);
/** Attributes that name host files: allowed only on these element paths. */
const PATH_ATTRIBUTES = new Set(['file', 'path', 'dir', 'socket', 'dev']);
const PATHS_ALLOWED = new Set([
  'domain/devices/disk/source@file',
  'domain/devices/disk/backingStore/source@file',
  'domain/devices/disk/target@dev',
  'domain/devices/serial/source@path',
  'domain/devices/console/source@path',
  'domain/os/boot@dev',
]);

/**
 * Every reason to refuse `xml`; empty when it describes no more than our template can.
 *
 * @example domainXmlViolations(savedXml).map((v) => v.rule) // ['extension-namespace'] for a qemu:commandline
 */
export function domainXmlViolations(xml: string, options: DomainXmlCheckOptions = {}): DomainXmlViolation[] {
  let root: XmlElement;
  try {
    root = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) return [{ path: `@${error.offset}`, rule: 'syntax', detail: error.problem }];
    throw error;
  }
  const violations: DomainXmlViolation[] = [];
  const refuse = (path: string, rule: DomainXmlRule, detail: string) => violations.push({ path, rule, detail });
  if (root.name !== 'domain') refuse(root.name, 'root', 'the root element is not <domain>');
  walk(root, root.name, refuse);
  for (const child of root.children) {
    if (!TOP_LEVEL.has(child.name) && !child.name.includes(':')) refuse(`domain/${child.name}`, 'element', `<${child.name}> is not part of our template`);
  }
  for (const os of childrenNamed(root, 'os')) {
    for (const child of os.children) {
      if (OS_PATHS.has(child.name)) refuse(`domain/os/${child.name}`, 'boot-path', `<${child.name}> would boot or load a host file`);
      else if (!OS_CHILDREN.has(child.name) && !child.name.includes(':')) refuse(`domain/os/${child.name}`, 'element', `<${child.name}> is not part of our template`);
    }
  }
  for (const label of childrenNamed(root, 'seclabel')) {
    const type = label.attributes.get('type') ?? 'dynamic';
    if (type !== 'dynamic') refuse('domain/seclabel', 'security-label', `type='${type}' would choose the credentials QEMU runs with`);
  }
  for (const devices of childrenNamed(root, 'devices')) checkDevices(devices, options.maxDisks ?? 1, refuse);
  return violations;
}

/**
 * Throws UnsafeDomainXmlError listing every violation; returns the parsed XML when there is none.
 *
 * @example checkUntrustedDomainXml(header.xml, 'memory.save in base.zip');
 */
export function checkUntrustedDomainXml(xml: string, source: string, options: DomainXmlCheckOptions = {}): XmlElement {
  const violations = domainXmlViolations(xml, options);
  if (violations.length > 0) throw new UnsafeDomainXmlError(source, violations);
  return parseXml(xml);
}

/**
 * Judges the cookie libvirt stores after the XML in a save image (the guest CPU definition and
 * whether a slirp helper ran), which libvirt reads back on restore: only those two, nothing else.
 *
 * @example checkUntrustedSaveCookie(header.cookie, 'memory.save in base.zip');
 */
export function checkUntrustedSaveCookie(cookie: string, source: string): void {
  const violations: DomainXmlViolation[] = [];
  const refuse: Refuse = (path, rule, detail) => violations.push({ path, rule, detail });
  try {
    const root = parseXml(cookie);
    if (root.name !== 'cookie') refuse(root.name, 'root', 'the root element is not <cookie>');
    walk(root, root.name, refuse);
    for (const child of root.children) {
      if (!COOKIE_CHILDREN.has(child.name)) refuse(`cookie/${child.name}`, 'element', `<${child.name}> is not part of a save cookie`);
    }
  } catch (error) {
    if (!(error instanceof XmlSyntaxError)) throw error;
    refuse(`@${error.offset}`, 'syntax', error.problem);
  }
  if (violations.length > 0) throw new UnsafeDomainXmlError(source, violations);
}

type Refuse = (path: string, rule: DomainXmlRule, detail: string) => void;

/** Rules that hold at every depth: no extension namespaces, host paths only where the template has them. */
function walk(element: XmlElement, path: string, refuse: Refuse): void {
  if (element.name.includes(':')) refuse(path, 'extension-namespace', `<${element.name}> is an extension element (QEMU pass-through or foreign namespace)`);
  for (const [attribute, value] of element.attributes) {
    if (attribute === 'xmlns' || attribute.startsWith('xmlns:') || attribute.includes(':')) {
      refuse(`${path}@${attribute}`, 'extension-namespace', `namespace declaration or prefixed attribute ${attribute}="${value}"`);
    } else if (PATH_ATTRIBUTES.has(attribute) && !PATHS_ALLOWED.has(`${path}@${attribute}`)) {
      refuse(`${path}@${attribute}`, 'device', `host path ${attribute}="${value}" outside the disk and console`);
    }
  }
  for (const child of element.children) walk(child, `${path}/${child.name}`, refuse);
}

function checkDevices(devices: XmlElement, maxDisks: number, refuse: Refuse): void {
  let disks = 0;
  for (const device of devices.children) {
    const path = `domain/devices/${device.name}`;
    if (device.name.includes(':')) continue; // reported by walk()
    if (!DEVICES.has(device.name)) {
      refuse(path, 'device', `<${device.name}> is not a device our template has`);
      continue;
    }
    const type = device.attributes.get('type');
    if (device.name === 'emulator' && !EMULATORS.has(device.text.trim())) refuse(path, 'boot-path', `emulator ${device.text.trim()} is not the system QEMU`);
    if (device.name === 'disk') {
      const kind = device.attributes.get('device') ?? 'disk';
      if (kind !== 'disk') refuse(path, 'extra-disk', `a ${kind} device`);
      else if (++disks > maxDisks) refuse(path, 'extra-disk', `disk ${disks}, more than the ${maxDisks} our template has`);
      if (type !== 'file') refuse(path, 'disk-source', `type='${type ?? ''}' disks are not files`);
      for (const store of device.children.filter((child) => child.name === 'backingStore')) {
        const storeType = store.attributes.get('type');
        if (storeType !== undefined && storeType !== 'file') refuse(`${path}/backingStore`, 'disk-source', `type='${storeType}' backing store`);
      }
    }
    if (device.name === 'interface' && type !== 'user') refuse(path, 'network', `type='${type ?? ''}' interfaces reach host networks; only 'user' is allowed`);
    if ((device.name === 'serial' || device.name === 'console') && type !== 'file' && type !== 'pty' && type !== 'null') {
      refuse(path, 'device', `a ${device.name} of type='${type ?? ''}' connects to the host`);
    }
  }
}

function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}
