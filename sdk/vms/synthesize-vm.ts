/**
 * `cloudlet synthesis`: base + overlay (a file, or an http(s) URL downloaded first) → a running VM
 * that resumes where the customized VM was saved. Given trusted keys, an overlay not signed by one
 * of them is refused when synthesis opens it, before any of its blobs is read. Synthesis writes into a staging directory under
 * the cloudlet dir's tmp/, with a domain XML from our template (the overlay's own XML is never
 * used); a bare QEMU stream is given a libvirt save header; launchVm then adopts the files, so
 * nothing is copied twice. On any error or abort the staging directory goes, and launchVm leaves
 * no domain.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BaseRegistry, type StagingDir, checkFreeSpace, sha256File } from '../base/index.js';
import { createPrivateFile } from '../files/index.js';
import { saveImageHeader, synthesize } from '../synthesis/index.js';
import { buildDomainXml } from '../vm/index.js';
import type { TrustedKey } from '../overlay/package/index.js';
import { DEFAULT_DOWNLOAD_POLICY, downloadOverlay, isOverlayUrl, type DownloadPolicy } from './download-overlay.js';
import { overlaySizeBound } from './overlay-size-bound.js';
import { launchVm, type LaunchOptions } from './launch-vm.js';
import { runPhase, within } from '../progress/index.js';
import type { LaunchedVm } from './vm-record.js';
import { checkVmName } from './vm-name.js';

/** Options of synthesizeVm: those of launching, the limits of downloading an overlay, and the keys it must be signed by. */
export interface SynthesizeVmOptions extends LaunchOptions {
  /** Limits of an overlay download (DEFAULT_DOWNLOAD_POLICY); its size is also capped at the most an overlay of the base can hold. */
  download?: DownloadPolicy;
  /** Accept only an overlay signed by one of these keys (readTrustedKeys); refused before any blob is read. */
  trustedKeys?: readonly TrustedKey[];
}

/**
 * Synthesizes base `ref` (ID, prefix or name) + `overlay` (path or http(s) URL) and resumes the VM.
 *
 * @example const vm = await synthesizeVm('tiny', 'tiny.overlay.zip', { name: 'my-vm' }); console.log(vm.files.console);
 */
export async function synthesizeVm(ref: string, overlay: string, options: SynthesizeVmOptions = {}): Promise<LaunchedVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  // Before the synthesis, not after it in launchVm: a bad name should not cost minutes.
  if (options.name !== undefined) checkVmName(options.name);
  const registry = await BaseRegistry.open(options);
  const base = await registry.resolve(ref);
  let staging: StagingDir | undefined;
  try {
    staging = await registry.createStaging('synthesis');
    const dir = staging.path;
    // The disk and memory are written here, then moved into the VM by launchVm.
    await checkFreeSpace(dir, base.diskSize + base.memory.saveSize);
    const source = isOverlayUrl(overlay) ? join(dir, 'overlay.zip') : resolve(overlay);
    // The package's SHA-256 goes into the VM's record (a playbook's `vm` step compares it): a
    // download is hashed as it is written; a file is hashed beside the synthesis, from the page cache.
    let overlaySha256: Promise<string>;
    if (isOverlayUrl(overlay)) {
      const hash = createHash('sha256');
      await runPhase(emit, 'download', signal, () => downloadOverlay(overlay, source, {
        ...options.download,
        maxBytes: Math.min(options.download?.maxBytes ?? DEFAULT_DOWNLOAD_POLICY.maxBytes, overlaySizeBound(base)),
        ...(signal ? { signal } : {}),
        onProgress: emit,
        hash,
      }), (bytes) => `${bytes} bytes from ${overlay}`);
      overlaySha256 = Promise.resolve(hash.digest('hex'));
    } else {
      overlaySha256 = sha256File(source, signal);
      overlaySha256.catch(() => undefined);
    }
    // Only the header's length matters here: launchVm puts the XML for the VM's final paths in.
    const domainXml = buildDomainXml({ name: 'cloudlet-synthesis', uuid: randomUUID(), type: base.domain.type, hardware: base.hardware, disk: { path: join(dir, 'disk.raw'), format: 'raw' }, serialLog: join(dir, 'console.log') });
    const out = await runPhase(emit, 'synthesize', signal, () => synthesize({
      base: { disk: base.files.disk, memory: base.files.memory, id: base.id, memoryPages: base.files.memoryPages },
      overlay: source,
      outputDir: dir,
      options: { domainXml, ...(signal ? { signal } : {}), ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}), onProgress: within(emit, 'synthesize') },
    }), (result) => `${basename(result.disk)}, ${basename(result.memory)}`);
    const memory = out.memory.endsWith('.save') ? out.memory : await runPhase(emit, 'wrap', signal, () => wrapStream(out.memory, domainXml), (path) => path);
    return await launchVm(
      { disk: out.disk, memory, hardware: base.hardware, domainType: base.domain.type, adopt: true, origin: { base: base.id, overlay, overlaySha256: await overlaySha256 } },
      options,
    );
  } catch (error) {
    throw signal?.aborted ? signal.reason : error;
  } finally {
    if (staging) await rm(staging.path, { recursive: true, force: true });
  }
}

/** A libvirt save image made of a bare QEMU migration stream behind our header; the stream file is removed. */
async function wrapStream(stream: string, domainXml: string): Promise<string> {
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
