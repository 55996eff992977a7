/**
 * A base VM archive: a zip of exactly three members, the manifest first.
 *
 *   manifest.json  { format: "cloudlet-base-archive", version: 1, id, name, createdAt,
 *                    hardware: { memoryMiB, vcpus, machine, nicMac, freePageReporting? }, diskSize, memorySize }
 *   disk.raw       the base disk; its SHA-256 must equal id
 *   memory.save    the libvirt save image; its XML is untrusted and replaced on import
 *
 * Hash lists and the flat memory file are not shipped: the importer recomputes them from the two
 * data files it must read anyway (to verify the ID and the memory stream), so nothing derived is
 * taken on trust.
 */
import type { VmHardware } from '../vm/index.js';
import { BASE_ID, type BaseRecord } from './base-record.js';
import { ArchiveManifestError } from './errors.js';

export const ARCHIVE_MEMBERS = { manifest: 'manifest.json', disk: 'disk.raw', memory: 'memory.save' } as const;
/** A manifest is a few hundred bytes; refuse to buffer more. */
export const MAX_MANIFEST_BYTES = 64 * 1024;

export interface BaseArchiveManifest {
  format: 'cloudlet-base-archive';
  version: 1;
  id: string;
  name: string;
  createdAt: string;
  hardware: VmHardware;
  diskSize: number;
  memorySize: number;
}

export function manifestFor(record: BaseRecord): BaseArchiveManifest {
  return {
    format: 'cloudlet-base-archive',
    version: 1,
    id: record.id,
    name: record.name,
    createdAt: record.createdAt,
    hardware: record.hardware,
    diskSize: record.diskSize,
    memorySize: record.memory.saveSize,
  };
}

/** Parses and checks every field of an untrusted manifest. */
export function parseManifest(archive: string, text: string): BaseArchiveManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ArchiveManifestError(archive, 'JSON', (error as Error).message);
  }
  const manifest = value as Partial<BaseArchiveManifest>;
  const need = (field: string, ok: boolean, expected: string) => {
    if (!ok) throw new ArchiveManifestError(archive, field, `is not ${expected}`);
  };
  const size = (n: unknown) => Number.isSafeInteger(n) && (n as number) > 0;
  need('format', manifest.format === 'cloudlet-base-archive', '"cloudlet-base-archive"');
  need('version', manifest.version === 1, '1 (this version reads version 1 archives)');
  need('id', typeof manifest.id === 'string' && BASE_ID.test(manifest.id), 'a lowercase hex SHA-256');
  need('name', typeof manifest.name === 'string' && manifest.name.length <= 200, 'a name of at most 200 characters');
  need('createdAt', typeof manifest.createdAt === 'string' && !Number.isNaN(Date.parse(manifest.createdAt)), 'a date');
  need('diskSize', size(manifest.diskSize), 'a positive integer');
  need('memorySize', size(manifest.memorySize), 'a positive integer');
  const hardware = manifest.hardware as Partial<VmHardware> | undefined;
  need('hardware', typeof hardware === 'object' && hardware !== null, 'an object');
  need('hardware.memoryMiB', Number.isSafeInteger(hardware!.memoryMiB), 'an integer');
  need('hardware.vcpus', Number.isSafeInteger(hardware!.vcpus), 'an integer');
  need('hardware.machine', typeof hardware!.machine === 'string', 'a string');
  need('hardware.nicMac', hardware!.nicMac === null || typeof hardware!.nicMac === 'string', 'null or a MAC');
  need('hardware.freePageReporting', hardware!.freePageReporting === undefined || hardware!.freePageReporting === true, 'true or absent');
  return {
    format: 'cloudlet-base-archive',
    version: 1,
    id: manifest.id!,
    name: manifest.name!,
    createdAt: manifest.createdAt!,
    hardware: { memoryMiB: hardware!.memoryMiB!, vcpus: hardware!.vcpus!, machine: hardware!.machine!, nicMac: hardware!.nicMac!, ...(hardware!.freePageReporting ? { freePageReporting: true } : {}) },
    diskSize: manifest.diskSize!,
    memorySize: manifest.memorySize!,
  };
}
