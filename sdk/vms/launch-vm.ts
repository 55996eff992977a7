/**
 * Resumes a saved VM (a raw disk, or a qcow2 layer over a base's disk, and a libvirt save image) under libvirt as a new VM with its own
 * name, UUID and directory. The save image's embedded XML is never used: it is replaced by our
 * template's XML for the VM's own files before libvirt reads it (the binding's restore takes no
 * replacement XML), and its cookie is checked. The files are copied (a base is never written) or,
 * for files that are the VM's own (synthesis output), moved; the VM is registered, restored, and
 * its port forwards added again, since they belong to QEMU's network backend, not the guest.
 * A layer's backing file (a base's disk) is named in the domain as a read-only backing store
 * libvirt does not relabel, shared with QEMU's group first (sdk/base/share-with-qemu.ts).
 * On any error or abort the domain and every file are removed: nothing is left defined, running
 * or registered.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { addPortForward, LibvirtConnection, qemuDacLabel, type PortForward } from '../../native/libvirt/index.js';
import { checkFreeSpace, checkQemuCanReach, copyDisk, replaceSaveImageXml, shareWithQemu, sweepStaleDomains, type CloudletDirOptions, type StagingDir } from '../base/index.js';
import { placeFile, writePrivateFile } from '../files/index.js';
import { readLibvirtSaveHeader } from '../image/memory/index.js';
import { buildDomainXml, checkUntrustedSaveCookie, detectAcceleration, type DomainSpec, type DomainType, type VmHardware } from '../vm/index.js';
import { LaunchInputError, NoNetworkError, VmExistsError } from './errors.js';
import { runPhase, type ProgressListener } from '../progress/index.js';
import { VM_FILES, vmWithPaths, writeVmRecord, type LaunchedVm, type VmRecord } from './vm-record.js';
import { checkVmName } from './vm-name.js';
import { VmRegistry } from './vm-registry.js';

/** What to resume: the saved VM's files and the hardware it was saved with (from a trusted record, never from the image). */
export interface LaunchSource {
  /** The disk: a raw image, or with `backing` a qcow2 layer over it. */
  disk: string;
  /**
   * The raw file `disk` is a qcow2 layer over: a registered base's disk, or an early-started VM's
   * lazy disk (sdk/early-start). Never written, and must outlive the VM.
   */
  backing?: string;
  /** libvirt save image; its XML is replaced, never trusted. */
  memory: string;
  hardware: VmHardware;
  /** The accelerator the memory was saved under; the VM resumes under the same one. */
  domainType: DomainType;
  /** Move the files into the VM instead of copying them (they are the VM's own, e.g. synthesis output). Default false. */
  adopt?: boolean;
  /** Recorded in vm.json: the base and overlay it came from (and the overlay's SHA-256). */
  origin?: { base?: string; overlay?: string; overlaySha256?: string };
}

/** Options of launching a VM: its name, port forwards, the libvirt URI, progress, abort signal. */
export interface LaunchOptions extends CloudletDirOptions {
  /** The libvirt domain name; default cloudlet-vm-<id>. Not all digits nor UUID-shaped (VmNameError). */
  name?: string;
  /** Host ports forwarded into the guest (needs a base with a NIC). */
  forwards?: PortForward[];
  /** Default qemu:///system. */
  libvirtUri?: string;
  onProgress?: ProgressListener;
  /** Aborting (Ctrl-C) stops the work, destroys the VM and removes everything made so far. */
  signal?: AbortSignal;
}

/**
 * Resumes `source` as a new, registered, running VM.
 *
 * @example
 * const vm = await launchVm({ disk: out.disk, memory: out.memory, hardware: base.hardware, domainType: base.domain.type, adopt: true },
 *   { name: 'my-vm', forwards: [{ protocol: 'tcp', hostPort: 2222, guestPort: 22 }], onProgress: render });
 * console.log(vm.name, vm.files.console);
 */
export async function launchVm(source: LaunchSource, options: LaunchOptions = {}): Promise<LaunchedVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  const forwards = options.forwards ?? [];
  const id = randomBytes(6).toString('hex');
  const name = options.name ?? `cloudlet-vm-${id}`;
  checkVmName(name);
  const registry = await VmRegistry.open(options);
  const dir = registry.vmDir(id);
  const record: VmRecord = {
    format: 'cloudlet-vm',
    version: 1,
    id,
    name,
    uuid: randomUUID(),
    createdAt: new Date().toISOString(),
    domainType: source.domainType,
    hardware: source.hardware,
    forwards,
    ...(source.backing === undefined ? {} : { backing: resolve(source.backing) }),
    origin: { ...source.origin, disk: resolve(source.disk), memory: resolve(source.memory) },
  };
  const final = vmWithPaths(record, dir);
  // Built first: a bad name or hardware fails here, before any work.
  const xml = buildDomainXml({ name, uuid: record.uuid, type: record.domainType, hardware: record.hardware, disk: diskSpec(final.files.disk, record.backing), serialLog: final.files.console, consoleSocket: final.files.socket });
  if (forwards.length > 0 && record.hardware.nicMac === null) throw new NoNetworkError(name, forwards.length);

  const libvirt = await LibvirtConnection.open(options.libvirtUri);
  let staging: StagingDir | undefined;
  let registered = false;
  // Set just before the restore: only then can a domain of this name be ours to remove.
  let restoring = false;
  try {
    await runPhase(emit, 'check', signal, async () => {
      await sweepStaleDomains(registry.bases, libvirt, emit);
      if (await libvirt.find(name)) throw new VmExistsError(name, 'libvirt');
      if ((await registry.list()).some((vm) => vm.name === name)) throw new VmExistsError(name, 'registry');
      await checkSavedVm(source);
      await checkQemuCanReach(registry.dir);
      if (record.backing !== undefined) {
        const qemu = await qemuDacLabel(libvirt.uri, record.domainType);
        if (qemu) await shareWithQemu(record.backing, qemu.gid);
      }
      if (!source.adopt) await checkFreeSpace(registry.dir.tmp, (await allocated(source.disk)) + (await allocated(source.memory)));
    });
    const acceleration = await detectAcceleration();
    const resumedUnder = acceleration.domainType === record.domainType ? '' : `; it was saved under ${record.domainType}, so it resumes under ${record.domainType}`;
    emit({ kind: 'acceleration', domainType: record.domainType, detail: `${acceleration.detail}${resumedUnder}` });

    const prepared = await registry.createStaging(record);
    staging = prepared;
    const stagingPath = prepared.path;
    await runPhase(emit, 'copy', signal, async () => {
      const file = (key: keyof typeof VM_FILES) => vmWithPaths(record, stagingPath).files[key];
      await place(source.disk, file('disk'), source.adopt === true, signal);
      await place(source.memory, file('memory'), source.adopt === true, signal);
      await replaceSaveImageXml(file('memory'), xml);
      // Made by us before libvirt (virtlogd, root) appends to it: the user running this reads it, nobody else.
      await writePrivateFile(file('console'), '');
      await writeVmRecord(stagingPath, record);
    }, () => (source.adopt ? 'moved' : 'copied'));
    const vm = await runPhase(emit, 'register', signal, () => registry.commit(prepared, record), (vm) => vm.dir);
    registered = true;
    staging = undefined;

    const domain = await runPhase(emit, 'restore', signal, () => {
      restoring = true;
      return libvirt.restore(vm.files.memory, record);
    }, (domain) => domain.name);
    emit({ kind: 'console', domain: domain.name, serialLog: vm.files.console, socket: vm.files.socket });
    await runPhase(emit, 'forward', signal, async () => {
      for (const forward of forwards) await addPortForward(libvirt.uri, domain, forward);
    }, () => forwards.map((f) => `${f.protocol} ${f.hostAddress ?? '127.0.0.1'}:${f.hostPort} -> ${f.guestPort}`).join(', '));
    signal?.throwIfAborted();
    // The guest's memory lives in QEMU now; the image served its purpose.
    await rm(vm.files.memory, { force: true });
    return vm;
  } catch (error) {
    if (restoring) await libvirt.remove(record).catch(() => false);
    if (staging) await rm(staging.path, { recursive: true, force: true });
    if (registered) await registry.remove(id).catch(() => undefined);
    if (staging || registered) emit({ kind: 'cleaned', domain: name, path: staging?.path ?? dir });
    throw signal?.aborted ? signal.reason : error;
  } finally {
    await libvirt.close().catch(() => undefined);
  }
}

/** The domain's disk: the VM's raw disk, or its qcow2 layer over a read-only backing file libvirt leaves alone. */
function diskSpec(path: string, backing: string | undefined): DomainSpec['disk'] {
  return backing === undefined ? { path, format: 'raw' } : { path, format: 'qcow2', backing: { path: backing, format: 'raw' } };
}

/** The disk and the save image exist, the image is complete, and its cookie asks for nothing but what libvirt writes. */
async function checkSavedVm(source: LaunchSource): Promise<void> {
  for (const path of [source.disk, source.memory]) {
    const stats = await stat(path).catch(() => undefined);
    if (!stats?.isFile()) throw new LaunchInputError(path, 'no such file');
  }
  const header = await readLibvirtSaveHeader(source.memory);
  if (!header.complete) throw new LaunchInputError(source.memory, 'the save image is incomplete (libvirt did not finish writing it)');
  if (header.cookie !== null) checkUntrustedSaveCookie(header.cookie, source.memory);
}

async function allocated(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

/** Moves (falling back to copy and delete across file systems) or copies `from` to the new file `to`. */
async function place(from: string, to: string, move: boolean, signal: AbortSignal | undefined): Promise<void> {
  if (move) {
    try {
      await placeFile(from, to);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    }
  }
  await copyDisk(from, to, signal);
  if (move) await rm(from, { force: true });
}
