/**
 * The one domain XML template every VM we run is built from: base creation, overlay creation and
 * synthesis. A domain XML read from elsewhere (an archive, an overlay, a save image) is never run;
 * the same hardware is rebuilt from this template instead, which is what makes the
 * untrusted-XML validator a proof rather than a filter.
 *
 * The hardware is kept minimal and migratable: virtio-blk (QEMU 7.2's nvme blocks migration) passing
 * the guest's discards through (so freed blocks become holes or qcow2 zero clusters, not data an
 * overlay carries; virtio-blk advertises discard whatever the backend does, so this changes no
 * guest-visible device and old save images restore), a serial console appended to a file
 * (append='on', or libvirt truncates it on restore), a virtio balloon with free-page reporting
 * only for VMs recorded with it (hardware.freePageReporting), no USB, no graphics (`<graphics type='none'/>` is invalid; leaving it out gives none), and either
 * no NIC or one virtio NIC on QEMU user-mode networking, whose host port forwards are added at run
 * time (native/libvirt forwardPort).
 *
 * Every host file QEMU uses is named here where libvirt's virt-aa-helper puts it in the VM's own
 * AppArmor profile (libvirt-<uuid>): the disk (its qcow2 backing file read-only) and the console's
 * file or socket. The console log behind a socket is opened by virtlogd and reaches QEMU as a pipe;
 * save images are added to the profile by libvirt when it saves or restores. Nothing else may be
 * opened by path (no memory-backend files, no `exec:` migration): it would need a global allow.
 */
import { isAbsolute } from 'node:path';
import { DOMAIN_UUID, virshReadsNameAs } from '../../native/libvirt/domain.js';
import { DomainSpecError } from './errors.js';

/** The libvirt domain type: kvm (hardware virtualization) or qemu (TCG). */
export type DomainType = 'kvm' | 'qemu';

/** What must be equal between a saved VM and the domain that restores it. */
export interface VmHardware {
  memoryMiB: number;
  vcpus: number;
  /** QEMU machine type. 'pc' means the newest i440fx; record the resolved name ('pc-i440fx-7.2') so restores match. */
  machine: string;
  /** MAC of the user-mode NIC, or null for a VM without network. */
  nicMac: string | null;
  /**
   * A virtio balloon that reports the pages the guest frees, so they read as zero in a memory
   * snapshot instead of travelling as garbage. It is a device: a VM saved with it restores only
   * with it, and one saved without it (bases made before it, absent here) only without.
   */
  freePageReporting?: boolean;
}

export interface DomainSpec {
  name: string;
  uuid: string;
  type: DomainType;
  hardware: VmHardware;
  /**
   * `backing` names a qcow2 disk's backing file, shared by other VMs and never written: libvirt
   * leaves its owner alone (relabel='no'), so it must already be readable by QEMU's group
   * (sdk/base/share-with-qemu.ts).
   */
  disk: { path: string; format: 'raw' | 'qcow2'; backing?: { path: string; format: 'raw' } };
  serialLog: string;
  /**
   * A UNIX socket QEMU listens on for the serial console's input, the console still logged to
   * serialLog: for typing on the console of a VM being customized. Only the host side of the
   * serial port changes, so a VM saved with a file console restores with a socket one and back.
   */
  consoleSocket?: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const MACHINE = /^[a-z][a-z0-9.-]{0,63}$/;
const MAC = /^52:54:00(:[0-9a-f]{2}){3}$/;

/**
 * Renders the domain XML for `spec` after checking every field.
 *
 * @example
 * const xml = buildDomainXml({
 *   name: 'cloudlet-base-1', uuid: randomUUID(), type: 'qemu',
 *   hardware: { memoryMiB: 1024, vcpus: 1, machine: 'pc', nicMac: null },
 *   disk: { path: '/var/lib/cloudlet/bases/x/disk.raw', format: 'raw' }, serialLog: '/var/lib/cloudlet/bases/x/serial.log',
 * });
 */
export function buildDomainXml(spec: DomainSpec): string {
  checkSpec(spec);
  const { hardware } = spec;
  const nic = hardware.nicMac === null ? '' : `\n    <interface type='user'><mac address='${hardware.nicMac}'/><model type='virtio'/></interface>`;
  return `<domain type='${spec.type}'>
  <name>${spec.name}</name>
  <uuid>${spec.uuid}</uuid>
  <memory unit='MiB'>${hardware.memoryMiB}</memory>
  <currentMemory unit='MiB'>${hardware.memoryMiB}</currentMemory>
  <vcpu placement='static'>${hardware.vcpus}</vcpu>
  <os><type arch='x86_64' machine='${hardware.machine}'>hvm</type><boot dev='hd'/></os>
  <features><acpi/><apic/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='${spec.disk.format}' discard='unmap' detect_zeroes='unmap'/><source file='${escapeXml(spec.disk.path)}'/>${backingXml(spec.disk.backing)}<target dev='vda' bus='virtio'/></disk>
    ${serialXml(spec)}${nic}
    <controller type='usb' model='none'/>
    ${balloonXml(hardware)}
  </devices>
</domain>
`;
}

function balloonXml(hardware: VmHardware): string {
  return hardware.freePageReporting ? `<memballoon model='virtio' freePageReporting='on'/>` : `<memballoon model='none'/>`;
}

function backingXml(backing: DomainSpec['disk']['backing']): string {
  if (backing === undefined) return '';
  return `<backingStore type='file'><format type='${backing.format}'/><source file='${escapeXml(backing.path)}'><seclabel model='dac' relabel='no'/></source><backingStore/></backingStore>`;
}

function serialXml(spec: DomainSpec): string {
  if (spec.consoleSocket === undefined) return `<serial type='file'><source path='${escapeXml(spec.serialLog)}' append='on'/><target port='0'/></serial>`;
  return `<serial type='unix'><source mode='bind' path='${escapeXml(spec.consoleSocket)}'/><log file='${escapeXml(spec.serialLog)}' append='on'/><target port='0'/></serial>`;
}

/**
 * Why `name` cannot be a domain name of ours, or undefined if it can: it must be plain text that
 * fits `virsh list`, and must not be what virsh reads as a domain ID or UUID.
 */
export function domainNameProblem(name: string): string | undefined {
  if (!NAME.test(name)) return 'use 1 to 80 letters, digits, "_", "." or "-", starting with a letter or digit';
  const misread = virshReadsNameAs(name);
  if (misread === 'id') return 'virsh reads a name of digits as a domain ID, so commands meant for this VM would reach whichever domain has that ID; add a letter';
  if (misread === 'uuid') return 'virsh reads a UUID-shaped name as a domain UUID, so commands meant for this VM could reach another domain; choose a name that is not a UUID';
  return undefined;
}

/** A locally administered MAC in QEMU's 52:54:00 range, from 3 random bytes. */
export function randomMac(random: Buffer): string {
  return `52:54:00:${[...random.subarray(0, 3)].map((byte) => byte.toString(16).padStart(2, '0')).join(':')}`;
}

function checkSpec(spec: DomainSpec): void {
  const check = (field: string, value: unknown, ok: boolean, expected: string) => {
    if (!ok) throw new DomainSpecError(field, value, expected);
  };
  const { hardware } = spec;
  const nameProblem = domainNameProblem(spec.name);
  check('name', spec.name, nameProblem === undefined, `a name virsh reads as a name (${nameProblem ?? ''})`);
  check('uuid', spec.uuid, DOMAIN_UUID.test(spec.uuid), 'a lowercase UUID');
  check('type', spec.type, spec.type === 'kvm' || spec.type === 'qemu', "'kvm' or 'qemu'");
  check('memoryMiB', hardware.memoryMiB, Number.isSafeInteger(hardware.memoryMiB) && hardware.memoryMiB >= 16 && hardware.memoryMiB <= 1 << 20, 'an integer from 16 to 1048576');
  check('vcpus', hardware.vcpus, Number.isSafeInteger(hardware.vcpus) && hardware.vcpus >= 1 && hardware.vcpus <= 64, 'an integer from 1 to 64');
  check('machine', hardware.machine, MACHINE.test(hardware.machine), "a QEMU machine type such as 'pc' or 'pc-i440fx-7.2'");
  check('nicMac', hardware.nicMac, hardware.nicMac === null || MAC.test(hardware.nicMac), 'null or a lowercase 52:54:00:xx:xx:xx MAC');
  check('freePageReporting', hardware.freePageReporting, hardware.freePageReporting === undefined || typeof hardware.freePageReporting === 'boolean', 'true, false or absent');
  check('disk.format', spec.disk.format, spec.disk.format === 'raw' || spec.disk.format === 'qcow2', "'raw' or 'qcow2'");
  const { backing } = spec.disk;
  if (backing !== undefined) check('disk.backing', backing, spec.disk.format === 'qcow2' && backing.format === 'raw', "a raw backing file under a qcow2 disk");
  const paths = [['disk.path', spec.disk.path], ...(backing === undefined ? [] : [['disk.backing.path', backing.path]]), ['serialLog', spec.serialLog], ...(spec.consoleSocket === undefined ? [] : [['consoleSocket', spec.consoleSocket]])] as const;
  for (const [field, path] of paths) {
    check(field, path, isAbsolute(path) && !/[\0-\x1f]/.test(path), 'an absolute path without control characters');
  }
}

function escapeXml(text: string): string {
  return text.replace(/[&<>'"]/g, (char) => `&#${char.charCodeAt(0)};`);
}
