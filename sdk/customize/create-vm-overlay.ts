/**
 * `cloudlet overlay`: resumes a base VM as a throwaway VM whose disk is a new qcow2 layer over the
 * base's disk.raw (the base is never written), customizes it (a script over SSH, ssh-script.ts,
 * then console-input.ts), trims its filesystems over SSH (ssh-trim.ts), saves its memory with libvirt, and packs the difference from the base
 * into an overlay. Everything the VM used lives in one staging directory under the cloudlet dir's
 * tmp/, named with its domain so a crashed run is swept (domain included) by the next command; it
 * is removed when the overlay is written, and on any error or abort, with the domain.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { access, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { addPortForward, LibvirtConnection, qemuDacLabel, type DomainRef, type PortForward } from '../../native/libvirt/index.js';
import { BaseRegistry, type BaseVm, type CloudletDirOptions, type StagingDir, checkFreeSpace, checkQemuCanReach, copyDisk, replaceSaveImageXml, shareWithQemu, sweepStaleDomains } from '../base/index.js';
import { writePrivateFile } from '../files/index.js';
import { qemuImg } from '../image/disk/index.js';
import { PageLayout } from '../image/memory/index.js';
import { createOverlay, type CreateOverlayResult, type OverlaySigningKey } from '../overlay/index.js';
import { buildDomainXml } from '../vm/index.js';
import { customizeVm, type Customization } from './console-input.js';
import { OverlayOutputExistsError } from './errors.js';
import { NoNetworkError, VmExistsError } from '../vms/errors.js';
import { checkVmName } from '../vms/vm-name.js';
import { runPhase, within, type ProgressListener } from '../progress/index.js';
import { checkSshScriptFiles, runSshScript } from './ssh-script.js';
import { trimOverSsh } from './ssh-trim.js';

/** Options of createVmOverlay: the output path, the working VM's name and port forwards, the libvirt URI, progress, abort signal. */
export interface CreateVmOverlayOptions extends CloudletDirOptions {
  /** The overlay package to write; never replaced. */
  output: string;
  /** File mode of the overlay; default 0600 (it carries guest memory pages and disk chunks). */
  mode?: number;
  /** The customized VM's libvirt domain name; default cloudlet-overlay-<random>. Not all digits nor UUID-shaped (VmNameError). */
  name?: string;
  /** Host ports forwarded into the VM while it is customized. */
  forwards?: PortForward[];
  /** Default qemu:///system. */
  libvirtUri?: string;
  /** The steps of this function, and createOverlay's phases and blobs (marked `within: 'overlay'`). */
  onProgress?: ProgressListener;
  /** Aborting (Ctrl-C) destroys the VM and removes its files and any partial overlay. */
  signal?: AbortSignal;
  /** Sign the overlay with this key (readSigningKey). */
  signingKey?: OverlaySigningKey;
}

/** The overlay createVmOverlay made, with the base it was made against. */
export interface VmOverlay extends CreateOverlayResult {
  base: Pick<BaseVm, 'id' | 'name'>;
}

/**
 * Makes an overlay of base `ref` (ID, prefix or name) customized by `customization`.
 *
 * @example
 * const overlay = await createVmOverlay('tiny', { lines: ['echo hi >/mnt/hi'], until: { kind: 'delay', ms: 3000 } }, { output: 'tiny.overlay.zip' });
 */
export async function createVmOverlay(ref: string, customization: Customization, options: CreateVmOverlayOptions): Promise<VmOverlay> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  const forwards = options.forwards ?? [];
  const name = options.name ?? `cloudlet-overlay-${randomBytes(4).toString('hex')}`;
  checkVmName(name);
  // Recorded in the staging directory's owner file: a later command removes it by this UUID if this one is killed.
  const vm: DomainRef = { name, uuid: randomUUID() };
  const registry = await BaseRegistry.open(options);
  const base = await registry.resolve(ref);
  const output = resolve(options.output);
  if (forwards.length > 0 && base.hardware.nicMac === null) throw new NoNetworkError(name, forwards.length);

  const libvirt = await LibvirtConnection.open(options.libvirtUri);
  let staging: StagingDir | undefined;
  let restoring = false;
  try {
    await runPhase(emit, 'check', signal, async () => {
      await sweepStaleDomains(registry, libvirt, emit);
      if (await access(output).then(() => true, () => false)) throw new OverlayOutputExistsError(output);
      if (await libvirt.find(name)) throw new VmExistsError(name, 'libvirt');
      if (customization.ssh) await checkSshScriptFiles(customization.ssh);
      await checkQemuCanReach(registry.dir);
      // The resume image, the saved memory and the base memory's page cache, each up to the memory's size.
      await checkFreeSpace(registry.dir.tmp, 3 * base.memory.saveSize);
      const qemu = await qemuDacLabel(libvirt.uri, base.domain.type);
      if (qemu) await shareWithQemu(base.files.disk, qemu.gid);
    });
    staging = await registry.createStaging('overlay', vm);
    const file = (fileName: string) => join(staging!.path, fileName);
    const files = { disk: file('disk.qcow2'), resume: file('resume.save'), saved: file('customized.save'), console: file('console.log'), socket: file('console.sock') };
    const xml = buildDomainXml({
      ...vm,
      type: base.domain.type,
      hardware: base.hardware,
      disk: { path: files.disk, format: 'qcow2', backing: { path: base.files.disk, format: 'raw' } },
      serialLog: files.console,
      consoleSocket: files.socket,
    });
    await runPhase(emit, 'layer', signal, async () => {
      // Made private first: qemu-img writes into it and keeps its mode, so the guest's writes are nobody else's to read.
      await writePrivateFile(files.disk, '');
      await qemuImg(['create', '-q', '-f', 'qcow2', '-b', base.files.disk, '-F', 'raw', files.disk], signal ? { signal } : {});
      await copyDisk(base.files.memory, files.resume, signal);
      await replaceSaveImageXml(files.resume, xml);
      // Ours before libvirt (virtlogd, root) appends to it: the user running this reads it, nobody else.
      await writePrivateFile(files.console, '');
    }, () => `${files.disk} over ${base.files.disk}`);

    const domain = await runPhase(emit, 'restore', signal, () => {
      restoring = true;
      return libvirt.restore(files.resume, vm);
    }, (restored) => restored.name);
    await rm(files.resume, { force: true });
    emit({ kind: 'console', domain: name, serialLog: files.console, socket: files.socket });
    await runPhase(emit, 'forward', signal, async () => {
      for (const forward of forwards) await addPortForward(libvirt.uri, domain, forward);
    }, () => forwards.map((f) => `${f.protocol} ${f.hostAddress ?? '127.0.0.1'}:${f.hostPort} -> ${f.guestPort}`).join(', '));
    const { ssh } = customization;
    if (ssh) {
      await runPhase(emit, 'script', signal, () => runSshScript(ssh, {
        workDir: staging!.path,
        ...(signal ? { signal } : {}),
        onOutput: (stream, line) => emit({ kind: 'script-output', stream, line }),
      }), (ran) => `exit 0 in ${ran.ranMs} ms, sshd answered after ${ran.waitedMs} ms (${ran.attempts} attempts)`);
    }
    await runPhase(emit, 'customize', signal, () => customizeVm(customization, { domain, serialLog: files.console, socket: files.socket }, signal), (ready) => ready.evidence);
    if (ssh && customization.trim !== false) {
      await runPhase(emit, 'trim', signal, async () => {
        const trim = await trimOverSsh(ssh, { workDir: staging!.path, ...(signal ? { signal } : {}) });
        if (trim.problem) emit({ kind: 'warning', message: `${trim.problem}: the overlay is made as it is and may carry blocks the guest freed` });
        return trim;
      }, (trim) => (trim.trimmed.length > 0 ? trim.trimmed.join('; ') : 'nothing trimmed'));
    }
    await runPhase(emit, 'save', signal, async () => {
      await domain.save(files.saved);
      restoring = false;
      // A transient domain is gone after its save; a leftover definition is not ours to keep.
      await libvirt.remove(vm);
    }, () => files.saved);

    const overlay = await runPhase(emit, 'overlay', signal, () => createOverlay({
      base: {
        disk: base.files.disk,
        memory: base.files.memory,
        id: base.id,
        // The base keeps its hash lists and flat memory pages; deriving them again cost ~1.5 s a run.
        prepared: {
          diskHashes: base.files.diskHashes,
          memory: { pages: base.files.memoryPages, hashes: base.files.memoryHashes, layout: new PageLayout(base.memory.layout.map((entry) => ({ id: entry.block, length: entry.length }))) },
        },
      },
      customized: { disk: files.disk, diskFormat: 'qcow2', memory: files.saved },
      output,
      options: { onProgress: within(emit, 'overlay'), mode: options.mode, ...(options.signingKey ? { signingKey: options.signingKey } : {}) },
    }), (made) => `${made.path} (${made.size} bytes)`);
    return { ...overlay, base: { id: base.id, name: base.name } };
  } catch (error) {
    if (restoring) await libvirt.remove(vm).catch(() => false);
    if (staging) emit({ kind: 'cleaned', domain: restoring ? name : undefined, path: staging.path });
    throw signal?.aborted ? signal.reason : error;
  } finally {
    if (staging) await rm(staging.path, { recursive: true, force: true });
    await libvirt.close().catch(() => undefined);
  }
}
