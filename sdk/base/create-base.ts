/**
 * `cloudlet base`: from a bootable raw disk to a registered base VM. The disk is copied into a
 * staging directory (the user's file is never booted or changed), booted under libvirt until the
 * readiness condition holds, saved (libvirt save), hashed (ID = SHA-256 of the disk as saved, hash
 * lists of disk and memory) and registered by renaming the staging directory into the registry.
 * On any error or abort the domain is destroyed and the staging directory removed: nothing is left
 * defined, running or half-registered.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { addPortForward, DomainNotFoundError, LibvirtConnection, type DomainRef, type LibvirtDomain, type PortForward } from '../../native/libvirt/index.js';
import { writePrivateFile } from '../files/index.js';
import { writeHashList } from '../image/disk/index.js';
import {
  buildDomainXml,
  detectAcceleration,
  domainFacts,
  randomMac,
  SerialTail,
  waitUntilReady,
  type Readiness,
  type VmHardware,
} from '../vm/index.js';
import { baseDomainName, baseDomainXml } from './base-domain.js';
import { BASE_FILES, checkBaseName, writeBaseRecord, type BaseRecord, type BaseVm } from './base-record.js';
import { checkFreeSpace, checkQemuCanReach, type CloudletDirOptions } from './cloudlet-dir.js';
import { checkRawDisk, copyDisk, sha256File } from './disk-file.js';
import { writeMemoryPages } from './memory-pages.js';
import { runPhase, type ProgressListener } from '../progress/index.js';
import { BaseRegistry, type StagingDir } from './registry.js';
import { replaceSaveImageXml } from './save-image-xml.js';
import { sweepStaleDomains } from './sweep-stale.js';

/** Options of createBase: when the booted VM is ready, its name, hardware, network and port forwards, progress. */
export interface CreateBaseOptions extends CloudletDirOptions {
  /** When the booted VM counts as ready to be saved. */
  ready: Readiness;
  /** A label for the base; default: the disk's file name without extension. */
  name?: string;
  /** Default 1024. */
  memoryMiB?: number;
  /** Default 1. */
  vcpus?: number;
  /** Default 'pc' (recorded as the version it resolves to, e.g. 'pc-i440fx-7.2'). */
  machine?: string;
  /** Give the VM a virtio NIC on user-mode networking, needed for port forwards later. Default false. */
  network?: boolean;
  /**
   * Give the VM a virtio balloon with free-page reporting (recorded in the base's hardware), so the
   * pages its guest frees read as zero in memory snapshots and cost overlays nothing; the guest
   * needs the virtio_balloon driver (Linux ≥ 5.7) for it to act. Default true.
   */
  freePageReporting?: boolean;
  /** Host ports forwarded into the booting VM (implies network), e.g. for a `tcp` readiness check. */
  forwards?: PortForward[];
  /** Default qemu:///system. */
  libvirtUri?: string;
  onProgress?: ProgressListener;
  /** Aborting (Ctrl-C) stops the work, destroys the VM and removes everything made so far. */
  signal?: AbortSignal;
}

/**
 * Creates and registers a base VM from a bootable raw disk image.
 *
 * @example
 * const base = await createBase('/images/debian.raw', {
 *   ready: { kind: 'serial', pattern: /login:/, timeoutMs: 300_000 },
 *   onProgress: (event) => render(event),
 * });
 * console.log(base.id, base.files.memory);
 */
export async function createBase(disk: string, options: CreateBaseOptions): Promise<BaseVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  const source = resolve(disk);
  const memoryMiB = options.memoryMiB ?? 1024;
  const name = options.name !== undefined ? checkBaseName(options.name, 'option') : checkBaseName(basename(source, extname(source)), 'disk file name');
  const registry = await BaseRegistry.open(options);
  const { size: diskSize } = await runPhase(emit, 'check', signal, async () => {
    const facts = await checkRawDisk(source);
    await checkQemuCanReach(registry.dir);
    // The copy, the save image and the flat memory file (both at most the RAM size), the hash lists.
    await checkFreeSpace(registry.dir.tmp, facts.allocated + 2 * memoryMiB * 2 ** 20 + (facts.size + memoryMiB * 2 ** 20) / 64);
    return facts;
  });
  const libvirt = await LibvirtConnection.open(options.libvirtUri);
  try {
    await sweepStaleDomains(registry, libvirt, emit);
    // Recorded in the staging directory's owner file, so a later command can remove it (by UUID) if this one is killed.
    const domain: DomainRef = { name: `cloudlet-base-new-${randomBytes(6).toString('hex')}`, uuid: randomUUID() };
    const staging = await registry.createStaging('create', domain);
    try {
      const record = await bootAndSave(libvirt, staging.path, domain, source, { ...options, name, memoryMiB, diskSize }, emit);
      return await runPhase(emit, 'register', signal, () => register(registry, staging, record), (base) => base.dir);
    } catch (error) {
      await libvirt.remove(domain).catch(() => false);
      await rm(staging.path, { recursive: true, force: true });
      emit({ kind: 'cleaned', domain: domain.name, path: staging.path });
      // An interrupted step (cp killed, a read stream destroyed) fails in its own words; report the interrupt.
      throw signal?.aborted ? signal.reason : error;
    }
  } finally {
    // A failing close is not worth hiding the outcome for.
    await libvirt.close().catch(() => undefined);
  }
}

/** Copy, boot, wait, save and hash in the staging directory; returns the record to register. */
async function bootAndSave(
  libvirt: LibvirtConnection,
  stagingDir: string,
  { name: domainName, uuid }: DomainRef,
  source: string,
  options: CreateBaseOptions & { name: string; memoryMiB: number; diskSize: number },
  emit: ProgressListener,
): Promise<BaseRecord> {
  const { signal } = options;
  const file = (name: keyof typeof BASE_FILES) => join(stagingDir, BASE_FILES[name]);
  await runPhase(emit, 'copy', signal, () => copyDisk(source, file('disk'), signal));

  const acceleration = await detectAcceleration();
  emit({ kind: 'acceleration', ...acceleration });
  const requested: VmHardware = {
    memoryMiB: options.memoryMiB,
    vcpus: options.vcpus ?? 1,
    machine: options.machine ?? 'pc',
    nicMac: options.network || options.forwards?.length ? randomMac(randomBytes(3)) : null,
    freePageReporting: options.freePageReporting ?? true,
  };
  const xml = buildDomainXml({
    name: domainName,
    uuid,
    type: acceleration.domainType,
    hardware: requested,
    disk: { path: file('disk'), format: 'raw' },
    serialLog: file('console'),
  });
  // Made by us before libvirt (virtlogd, root) appends to it: the user running this reads it, nobody else.
  await writePrivateFile(file('console'), '');
  const domain = await runPhase(emit, 'boot', signal, () => libvirt.create(xml), (vm) => vm.name);
  emit({ kind: 'console', domain: domain.name, serialLog: file('console') });
  for (const forward of options.forwards ?? []) await addPortForward(libvirt.uri, domain, forward);
  // libvirt resolves 'pc' to a versioned machine type; a restore must name that one.
  const { hardware } = domainFacts(await domain.xml());

  const serial = new SerialTail(file('console'));
  await runPhase(emit, 'ready', signal, () => waitUntilReady(options.ready, { domain: domain.name, serial, status: () => statusOf(domain), signal }), (ready) => ready.evidence);
  await runPhase(emit, 'save', signal, () => domain.save(file('memory')));

  const id = await runPhase(emit, 'hash-disk', signal, async () => {
    const digest = await sha256File(file('disk'), signal);
    await writeHashList(file('disk'), file('diskHashes'));
    return digest;
  }, (digest) => digest);
  const memory = await runPhase(emit, 'hash-memory', signal, async () => {
    const pages = await writeMemoryPages(file('memory'), file('memoryPages'));
    await writeHashList(file('memoryPages'), file('memoryHashes'));
    return pages;
  }, (pages) => `${pages.dataPages} of ${pages.pages} pages hold data`);

  return {
    format: 'cloudlet-base',
    version: 1,
    id,
    name: options.name,
    createdAt: new Date().toISOString(),
    source,
    domain: { name: baseDomainName(id), uuid, type: acceleration.domainType },
    hardware,
    diskSize: options.diskSize,
    memory: { saveSize: (await stat(file('memory'))).size, pages: memory.pages, layout: memory.layout },
  };
}

/** Points memory.save at the base's final directory, writes the record, renames into the registry. */
async function register(registry: BaseRegistry, staging: StagingDir, record: BaseRecord): Promise<BaseVm> {
  await replaceSaveImageXml(join(staging.path, BASE_FILES.memory), baseDomainXml(record, registry.baseDir(record.id)));
  await writeBaseRecord(staging.path, record);
  return registry.commit(staging, record.id);
}

/** A transient domain vanishes when its QEMU exits: that is "stopped" too. */
async function statusOf(domain: LibvirtDomain): Promise<{ active: boolean; state: string }> {
  try {
    return await domain.status();
  } catch (error) {
    if (error instanceof DomainNotFoundError) return { active: false, state: 'gone' };
    throw error;
  }
}
