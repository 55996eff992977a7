/**
 * The domain a base's memory.save restores into, built from our template for the directory the base
 * lives in. Creation and import both write it into memory.save (save-image-xml.ts); the XML the
 * image had before (a temp directory's paths, or an archive's untrusted XML) is never used.
 */
import { join } from 'node:path';
import { buildDomainXml } from '../vm/index.js';
import { BASE_FILES, type BaseRecord } from './base-record.js';

/** libvirt domain names of bases: short enough for `virsh list`, unique per base ID. */
export function baseDomainName(id: string): string {
  return `cloudlet-base-${id.slice(0, 12)}`;
}

/** @example await replaceSaveImageXml(files.memory, baseDomainXml(record, registry.baseDir(record.id))); */
export function baseDomainXml(record: Pick<BaseRecord, 'domain' | 'hardware'>, dir: string): string {
  return buildDomainXml({
    name: record.domain.name,
    uuid: record.domain.uuid,
    type: record.domain.type,
    hardware: record.hardware,
    disk: { path: join(dir, BASE_FILES.disk), format: 'raw' },
    serialLog: join(dir, BASE_FILES.console),
  });
}
