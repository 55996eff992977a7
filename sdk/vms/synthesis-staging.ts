/**
 * What synthesizeVm and synthesizeVmFromStream share: resolve the base, check the VM name first
 * (a bad name should not cost minutes), synthesize into a staging directory under the cloudlet
 * dir's tmp/ with a domain XML from our template (the overlay's own XML is never used), give a
 * bare QEMU stream a libvirt save header, and let launchVm adopt the files, so nothing is copied
 * twice. The VM's disk is a qcow2 layer over the base's disk: only the overlay's data is written. On any error or abort the staging directory goes, and launchVm leaves no domain.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BaseRegistry, type BaseVm, type StagingDir, checkFreeSpace } from '../base/index.js';
import { createPrivateFile } from '../files/index.js';
import { saveImageHeader, synthesize, type OpenedOverlay } from '../synthesis/index.js';
import { buildDomainXml } from '../vm/index.js';
import { runPhase, within } from '../progress/index.js';
import type { SynthesizeVmOptions } from './synthesize-vm.js';
import { launchVm } from './launch-vm.js';
import type { LaunchedVm } from './vm-record.js';
import { checkVmName } from './vm-name.js';

/** The overlay a synthesis reads, as its opener made it ready. */
export interface StagedOverlay {
  /** A package path, or a package already opened and checked (signature, base). */
  overlay: string | OpenedOverlay;
  /** What the VM record names as its overlay: a path, a URL, or what the caller says a stream was. */
  origin: string;
  /** The package's SHA-256, asked for once synthesis is done. */
  sha256(): Promise<string>;
}

/**
 * Synthesizes base `ref` + the overlay `open` makes ready (in the staging directory `dir`, knowing
 * the base) and resumes the VM.
 */
export async function synthesizeStaged(ref: string, options: SynthesizeVmOptions, open: (base: BaseVm, dir: string) => Promise<StagedOverlay>): Promise<LaunchedVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  if (options.name !== undefined) checkVmName(options.name);
  const registry = await BaseRegistry.open(options);
  const base = await registry.resolve(ref);
  let staging: StagingDir | undefined;
  try {
    staging = await registry.createStaging('synthesis');
    const dir = staging.path;
    // The disk and memory are written here, then moved into the VM by launchVm.
    await checkFreeSpace(dir, base.diskSize + base.memory.saveSize);
    const staged = await open(base, dir);
    // Only the header's length matters here: launchVm puts the XML for the VM's final paths in.
    const disk = { path: join(dir, 'disk.qcow2'), format: 'qcow2' as const, backing: { path: base.files.disk, format: 'raw' as const } };
    const domainXml = buildDomainXml({ name: 'cloudlet-synthesis', uuid: randomUUID(), type: base.domain.type, hardware: base.hardware, disk, serialLog: join(dir, 'console.log') });
    const out = await runPhase(emit, 'synthesize', signal, () => synthesize({
      base: { disk: base.files.disk, memory: base.files.memory, id: base.id, memoryPages: base.files.memoryPages },
      overlay: staged.overlay,
      outputDir: dir,
      options: { domainXml, ...(signal ? { signal } : {}), ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}), onProgress: within(emit, 'synthesize') },
    }), (result) => `${basename(result.disk)}, ${basename(result.memory)}`);
    const memory = out.memory.endsWith('.save') ? out.memory : await runPhase(emit, 'wrap', signal, () => wrapStream(out.memory, domainXml), (path) => path);
    return await launchVm(
      { disk: out.disk, backing: base.files.disk, memory, hardware: base.hardware, domainType: base.domain.type, adopt: true, origin: { base: base.id, overlay: staged.origin, overlaySha256: await staged.sha256() } },
      options,
    );
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  } finally {
    if (staging) await rm(staging.path, { recursive: true, force: true });
  }
}

/** A libvirt save image made of a bare QEMU migration stream behind our header; the stream file is removed. */
export async function wrapStream(stream: string, domainXml: string): Promise<string> {
  const path = join(resolve(stream, '..'), 'memory.save');
  const file = await createPrivateFile(path);
  const header = saveImageHeader({ domainXml, wasRunning: true });
  await pipeline(async function* () {
    yield header;
    yield* createReadStream(stream);
  }, file.createWriteStream());
  await rm(stream, { force: true });
  return path;
}
