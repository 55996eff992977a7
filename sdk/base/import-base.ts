/**
 * `cloudlet import-base`: registers a base from an archive (archive-manifest.ts) made anywhere.
 * Nothing in the archive is trusted: member names are checked before anything is written, the disk
 * must hash to the ID the manifest claims, the save image's XML and cookie must pass the
 * untrusted-XML check and describe the manifest's hardware, and the XML is then replaced by our
 * template. Work happens in a staging directory renamed into the registry at the end, so a crash or
 * Ctrl-C leaves nothing registered; a base already registered is refused before any extraction.
 */
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { readLibvirtSaveHeader } from '../image/memory/index.js';
import { writeHashList } from '../image/disk/index.js';
import { checkUntrustedDomainXml, checkUntrustedSaveCookie, detectAcceleration, domainFacts } from '../vm/index.js';
import { ARCHIVE_MEMBERS, parseManifest, type BaseArchiveManifest } from './archive-manifest.js';
import { ArchiveReader, type MemberKey } from './archive-reader.js';
import { baseDomainName, baseDomainXml } from './base-domain.js';
import { BASE_FILES, checkBaseName, writeBaseRecord, type BaseRecord, type BaseVm } from './base-record.js';
import { checkFreeSpace, type CloudletDirOptions } from './cloudlet-dir.js';
import { checkRawDisk } from './disk-file.js';
import { ArchiveManifestError, BaseIdMismatchError, DuplicateBaseError } from './errors.js';
import { extractMember } from './extract-member.js';
import { writeMemoryPages } from './memory-pages.js';
import { runPhase, type ProgressListener } from '../progress/index.js';
import { BaseRegistry } from './registry.js';
import { replaceSaveImageXml } from './save-image-xml.js';

/** Options of importBase. */
export interface ImportBaseOptions extends CloudletDirOptions {
  /** A label for the base; default: the name in the manifest. */
  name?: string;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/**
 * Imports and registers the base in `archive`.
 *
 * @example const base = await importBase('/srv/bases/debian.zip'); console.log(base.id);
 */
export async function importBase(archive: string, options: ImportBaseOptions = {}): Promise<BaseVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  const source = resolve(archive);
  const registry = await BaseRegistry.open(options);
  const reader = await ArchiveReader.open(source);
  try {
    const manifest = await runPhase(emit, 'check', signal, async () => {
      const parsed = parseManifest(source, await reader.manifestText());
      if (options.name !== undefined) checkBaseName(options.name, 'option');
      else checkBaseName(parsed.name, 'archive manifest');
      if (await registry.has(parsed.id)) throw new DuplicateBaseError(parsed.id, registry.baseDir(parsed.id));
      for (const [member, size] of [['disk', parsed.diskSize], ['memory', parsed.memorySize]] as const) {
        if (reader.size(member) !== size) throw new ArchiveManifestError(source, `${member} size`, `says ${size} but ${ARCHIVE_MEMBERS[member]} holds ${reader.size(member)} bytes`);
      }
      await checkFreeSpace(registry.dir.tmp, parsed.diskSize + 2 * parsed.memorySize + parsed.hardware.memoryMiB * 2 ** 20);
      return parsed;
    }, (parsed) => parsed.id);

    const staging = await registry.createStaging('import');
    try {
      const file = (name: keyof typeof BASE_FILES) => join(staging.path, BASE_FILES[name]);
      const extract = async (member: MemberKey, to: string) => extractMember(await reader.stream(member), to, signal);
      const disk = await runPhase(emit, 'extract', signal, async () => {
        const extracted = await extract('disk', file('disk'));
        await extract('memory', file('memory'));
        return extracted;
      });
      await runPhase(emit, 'verify', signal, async () => {
        if (disk.sha256 !== manifest.id) throw new BaseIdMismatchError(source, manifest.id, disk.sha256);
        await checkRawDisk(file('disk'));
        await checkSaveImage(source, file('memory'), manifest);
      });
      await runPhase(emit, 'hash-disk', signal, () => writeHashList(file('disk'), file('diskHashes')));
      const memory = await runPhase(emit, 'hash-memory', signal, async () => {
        const pages = await writeMemoryPages(file('memory'), file('memoryPages'));
        await writeHashList(file('memoryPages'), file('memoryHashes'));
        return pages;
      });
      const { domainType } = await detectAcceleration();
      const record: BaseRecord = {
        format: 'cloudlet-base',
        version: 1,
        id: manifest.id,
        name: options.name ?? manifest.name,
        createdAt: manifest.createdAt,
        source,
        domain: { name: baseDomainName(manifest.id), uuid: randomUUID(), type: domainType },
        hardware: manifest.hardware,
        diskSize: manifest.diskSize,
        memory: { saveSize: manifest.memorySize, pages: memory.pages, layout: memory.layout },
      };
      return await runPhase(emit, 'register', signal, async () => {
        await replaceSaveImageXml(file('memory'), baseDomainXml(record, registry.baseDir(record.id)));
        await writeBaseRecord(staging.path, record);
        return registry.commit(staging, record.id);
      }, (base) => base.dir);
    } catch (error) {
      await rm(staging.path, { recursive: true, force: true });
      emit({ kind: 'cleaned', domain: undefined, path: staging.path });
      throw signal?.aborted ? signal.reason : error;
    }
  } finally {
    reader.close();
  }
}

/** The save image must be complete and describe exactly the hardware the manifest states, in XML we would accept. */
async function checkSaveImage(archive: string, path: string, manifest: BaseArchiveManifest): Promise<void> {
  const header = await readLibvirtSaveHeader(path);
  const where = `${archive}:${ARCHIVE_MEMBERS.memory}`;
  const facts = domainFacts(checkUntrustedDomainXml(header.xml, where));
  if (header.cookie !== null) checkUntrustedSaveCookie(header.cookie, where);
  for (const field of ['memoryMiB', 'vcpus', 'machine', 'nicMac', 'freePageReporting'] as const) {
    if (facts.hardware[field] !== manifest.hardware[field]) {
      throw new ArchiveManifestError(archive, `hardware.${field}`, `is ${manifest.hardware[field]} but the save image's domain has ${facts.hardware[field]}`);
    }
  }
}
