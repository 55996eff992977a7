/**
 * A registered base VM: the directory bases/<id>/ holding
 *
 *   base.json      this record (JSON, format "cloudlet-base", version 1)
 *   disk.raw       the raw disk as it was when the memory was saved; its SHA-256 is the base ID
 *   disk.hashes    SHA-256 of every 4 KiB disk chunk (sdk/image/disk hash list)
 *   memory.save    the libvirt save image; its XML is our template for this directory, so a plain
 *                  `virsh restore memory.save` resumes the base (console appended to console.log)
 *   memory.pages   guest RAM as one flat sparse file, page n at byte n × 4096 (memory-pages.ts)
 *   memory.hashes  SHA-256 of every page of memory.pages (same hash list format as the disk's)
 *
 * The directory appears by a rename with the record already inside, so a record exists exactly
 * when its files are complete.
 */
import { join } from 'node:path';
import type { DomainType, VmHardware } from '../vm/index.js';
import { hasControlCharacters } from '../text/index.js';
import { BaseNameError, BaseRecordError } from './errors.js';
import { readJsonRecord, writeJsonRecord } from './json-record.js';
import type { RamPageLayout } from './memory-pages.js';

export const BASE_FILES = {
  record: 'base.json',
  disk: 'disk.raw',
  diskHashes: 'disk.hashes',
  memory: 'memory.save',
  memoryPages: 'memory.pages',
  memoryHashes: 'memory.hashes',
  console: 'console.log',
} as const;

export const BASE_ID = /^[0-9a-f]{64}$/;

/** `name`, unless it holds control characters (BaseNameError): names come from outside and are shown in terminals. */
export function checkBaseName(name: string, origin: BaseNameError['origin']): string {
  if (hasControlCharacters(name)) throw new BaseNameError(name, origin);
  return name;
}

/** What base.json holds for a registered base VM (format "cloudlet-base", version 1). */
export interface BaseRecord {
  format: 'cloudlet-base';
  version: 1;
  /** SHA-256 (hex) of disk.raw. */
  id: string;
  /** A label for people: the source disk's file name unless given. */
  name: string;
  createdAt: string;
  /** Where it came from: the disk path given to createBase, or the archive imported. */
  source: string;
  /** The libvirt domain memory.save restores into, and the accelerator it was saved under. */
  domain: { name: string; uuid: string; type: DomainType };
  hardware: VmHardware;
  diskSize: number;
  memory: { saveSize: number; pages: number; layout: RamPageLayout };
}

/** A record with the absolute paths of its files. */
export interface BaseVm extends BaseRecord {
  dir: string;
  files: { [K in keyof typeof BASE_FILES]: string };
}

export function withPaths(record: BaseRecord, dir: string): BaseVm {
  const files = Object.fromEntries(Object.entries(BASE_FILES).map(([key, file]) => [key, join(dir, file)])) as BaseVm['files'];
  return { ...record, dir, files };
}

/** Writes `record` as dir/base.json, atomically. */
export async function writeBaseRecord(dir: string, record: BaseRecord): Promise<void> {
  await writeJsonRecord(dir, join(dir, BASE_FILES.record), record);
}

/** Reads and checks dir/base.json. */
export async function readBaseRecord(dir: string): Promise<BaseVm> {
  const path = join(dir, BASE_FILES.record);
  const record = (await readJsonRecord(path, (field, problem) => new BaseRecordError(path, field, problem))) as Partial<BaseRecord>;
  const need = (field: string, ok: boolean, problem: string) => {
    if (!ok) throw new BaseRecordError(path, field, problem);
  };
  need('format', record.format === 'cloudlet-base', 'is not "cloudlet-base"');
  need('version', record.version === 1, `is ${String(record.version)}; this version reads 1`);
  need('id', typeof record.id === 'string' && BASE_ID.test(record.id), 'is not a SHA-256 in hex');
  need('name', typeof record.name === 'string', 'is missing');
  need('domain', typeof record.domain?.name === 'string' && typeof record.domain.uuid === 'string', 'is incomplete');
  need('hardware', Number.isSafeInteger(record.hardware?.memoryMiB) && Number.isSafeInteger(record.hardware?.vcpus), 'is incomplete');
  need('diskSize', Number.isSafeInteger(record.diskSize), 'is not an integer');
  need('memory', Number.isSafeInteger(record.memory?.pages) && Array.isArray(record.memory?.layout), 'is incomplete');
  return withPaths(record as BaseRecord, dir);
}
