/**
 * A launched VM: the directory vms/<id>/ holding
 *
 *   vm.json      this record (JSON, format "cloudlet-vm", version 1)
 *   disk.qcow2   a synthesized VM's disk: a layer over its base's disk (`backing`), holding the
 *                overlay's data and the VM's own writes
 *   disk.raw     the disk of a VM without `backing`: a copy of the base's, or a standalone image
 *   console.log  its serial console, appended to across restores
 *   console.sock the UNIX socket QEMU serves that console on (cloudlet console)
 *   memory.save  the save image it was resumed from, only until the resume succeeded
 *
 * Like a base (sdk/base/base-record.ts), the directory appears by a rename with the record inside.
 */
import { isAbsolute, join } from 'node:path';
import { DOMAIN_UUID, type PortForward } from '../../native/libvirt/index.js';
import { readJsonRecord, writeJsonRecord } from '../base/index.js';
import type { DomainType, VmHardware } from '../vm/index.js';
import { VmRecordError } from './errors.js';

export const VM_FILES = {
  record: 'vm.json',
  disk: 'disk.raw',
  console: 'console.log',
  socket: 'console.sock',
  memory: 'memory.save',
} as const;

/** The disk of a VM with `backing`: a qcow2 layer. */
const LAYER_FILE = 'disk.qcow2';

/** VM IDs: 12 random hex digits, the directory name under vms/. */
export const VM_ID = /^[0-9a-f]{12}$/;

/** What vm.json holds for a synthesized VM. */
export interface VmRecord {
  format: 'cloudlet-vm';
  version: 1;
  id: string;
  /** The libvirt domain name. */
  name: string;
  uuid: string;
  createdAt: string;
  domainType: DomainType;
  hardware: VmHardware;
  /** Host ports forwarded into the guest, added again at every resume. */
  forwards: PortForward[];
  /**
   * The raw disk this VM's disk (disk.qcow2) is a qcow2 layer over: its base's disk, read-only and
   * shared, which must outlive the VM (deleteBase refuses while it is used). Absent: the VM's disk
   * is a raw file of its own (disk.raw).
   */
  backing?: string;
  /**
   * Where it came from: the base's ID, the overlay (a path or URL) and the hex SHA-256 of the
   * overlay package synthesis read (records written before it was recorded have none), and the
   * files it was resumed from.
   */
  origin: { base?: string; overlay?: string; overlaySha256?: string; disk: string; memory: string };
}

/** A record with the absolute paths of its files. */
export interface LaunchedVm extends VmRecord {
  dir: string;
  files: { [K in keyof typeof VM_FILES]: string };
}

export function vmWithPaths(record: VmRecord, dir: string): LaunchedVm {
  const names: Record<keyof typeof VM_FILES, string> = { ...VM_FILES, ...(record.backing === undefined ? {} : { disk: LAYER_FILE }) };
  const files = Object.fromEntries(Object.entries(names).map(([key, file]) => [key, join(dir, file)])) as LaunchedVm['files'];
  return { ...record, dir, files };
}

/** Writes `record` as dir/vm.json, atomically. */
export async function writeVmRecord(dir: string, record: VmRecord): Promise<void> {
  await writeJsonRecord(dir, join(dir, VM_FILES.record), record);
}

/** Reads and checks dir/vm.json. */
export async function readVmRecord(dir: string): Promise<LaunchedVm> {
  const path = join(dir, VM_FILES.record);
  const record = (await readJsonRecord(path, (field, problem) => new VmRecordError(path, field, problem))) as Partial<VmRecord>;
  const need = (field: string, ok: boolean, problem: string) => {
    if (!ok) throw new VmRecordError(path, field, problem);
  };
  need('format', record.format === 'cloudlet-vm', 'is not "cloudlet-vm"');
  need('version', record.version === 1, `is ${String(record.version)}; this version reads 1`);
  need('id', typeof record.id === 'string' && VM_ID.test(record.id), 'is not 12 hex digits');
  need('name', typeof record.name === 'string' && record.name !== '', 'is missing');
  // Every version wrote it: removals compare it with the domain found under the name (manage-vms.ts).
  need('uuid', typeof record.uuid === 'string' && DOMAIN_UUID.test(record.uuid), 'is not a lowercase UUID');
  need('hardware', Number.isSafeInteger(record.hardware?.memoryMiB) && Number.isSafeInteger(record.hardware?.vcpus), 'is incomplete');
  need('forwards', Array.isArray(record.forwards), 'is not a list');
  need('backing', record.backing === undefined || (typeof record.backing === 'string' && isAbsolute(record.backing)), 'is not an absolute path');
  return vmWithPaths(record as VmRecord, dir);
}
