/**
 * `cloudlet synthesis --early-start`: the VM is resumed as soon as its memory is rebuilt, over a
 * lazy disk that fills in while the rest of the overlay arrives. Its disk is a qcow2 layer (in the
 * VM's directory, written by the guest) over the lazy disk's read-only raw image (never written),
 * named in the domain as its backing store. The process that started it serves that disk, so it
 * must live as long as the VM: the returned handle settles `complete` when the overlay is in, and
 * `ended` once the VM is gone (destroyed here, by `cloudlet destroy` elsewhere, or shut down) and
 * the disk unmounted. A blob failing after the resume stops the VM: its waiting reads fail with
 * EIO, the domain and the VM's files go, and `complete` rejects with the reason.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { qemuDacLabel } from '../../native/libvirt/index.js';
import { BaseRegistry, checkFreeSpace, type BaseVm, type StagingDir } from '../base/index.js';
import { qemuImg } from '../image/disk/index.js';
import { openOverlayPackage, openOverlayStream, type TrustedKey } from '../overlay/package/index.js';
import { runPhase, within } from '../progress/index.js';
import type { OpenedOverlay } from '../synthesis/index.js';
import { buildDomainXml } from '../vm/index.js';
import { DEFAULT_DOWNLOAD_POLICY, isOverlayUrl } from '../vms/download-overlay.js';
import { fetchOverlay } from '../vms/fetch-overlay.js';
import { destroyVm, launchVm, type LaunchedVm, type SynthesizeVmOptions } from '../vms/index.js';
import { overlaySizeBound } from '../vms/overlay-size-bound.js';
import { wrapStream } from '../vms/synthesis-staging.js';
import { checkVmName } from '../vms/vm-name.js';
import { synthesizeEarly, type EarlyDiskStats, type EarlySynthesis } from './early-synthesize.js';
import { watchDomain } from './watch-domain.js';

/** Options of earlyStartVm: synthesizeVm's, and for a stream what its sender announced. */
export interface EarlyStartOptions extends SynthesizeVmOptions {
  /** A stream's announced length (Content-Length). */
  declaredBytes?: number;
  /** What the VM record names as a stream's origin; default "stream". */
  origin?: string;
}

/** A running early-started VM and the disk server behind it. */
export interface EarlyStartedVm {
  readonly vm: LaunchedVm;
  /** The overlay is complete (counts), or a blob failed and the VM was stopped (LazyDiskFailedError). */
  readonly complete: Promise<EarlyDiskStats>;
  /** The VM is gone and its disk unmounted. */
  readonly ended: Promise<void>;
  /** Destroys the VM (if it still runs) and unmounts its disk. */
  destroy(): Promise<void>;
}

/** How often the server looks whether its VM still exists. */
const WATCH_MS = 1000;

/**
 * Synthesizes base `ref` + `overlay` (a package path, an http(s) URL, or a stream) and resumes the VM before the disk is complete.
 *
 * @example const early = await earlyStartVm('tiny', 'https://example.org/app.overlay.zip', { name: 'app1' }); await early.complete;
 */
export async function earlyStartVm(ref: string, overlay: string | Readable | AsyncIterable<Uint8Array>, options: EarlyStartOptions = {}): Promise<EarlyStartedVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  if (options.name !== undefined) checkVmName(options.name);
  const registry = await BaseRegistry.open(options);
  const base = await registry.resolve(ref);
  const libvirtUri = options.libvirtUri ?? 'qemu:///system';
  let staging: StagingDir | undefined;
  let early: EarlySynthesis | undefined;
  try {
    staging = await registry.createStaging('synthesis');
    const dir = staging.path;
    await checkFreeSpace(dir, base.memory.saveSize);
    const pkg = await openOverlay(base, overlay, options);
    const domainXml = buildDomainXml({ name: 'cloudlet-synthesis', uuid: randomUUID(), type: base.domain.type, hardware: base.hardware, disk: { path: join(dir, 'disk.qcow2'), format: 'raw' }, serialLog: join(dir, 'console.log') });
    const lazyParent = registry.dir.earlyStart;
    await mkdir(lazyParent, { recursive: true, mode: 0o711 });
    const qemuGid = (await qemuDacLabel(libvirtUri, base.domain.type))?.gid;
    const started = await runPhase(emit, 'synthesize', signal, () => synthesizeEarly({
      base: { disk: base.files.disk, memory: base.files.memory, id: base.id, memoryPages: base.files.memoryPages },
      overlay: pkg,
      outputDir: dir,
      lazyParent,
      qemuGid,
      domainXml,
      onProgress: within(emit, 'synthesize'),
      ...(signal ? { signal } : {}),
    }), (result) => `memory complete; the disk follows through ${result.lazy.image}`);
    early = started;
    const memory = started.memory.endsWith('.save') ? started.memory : await runPhase(emit, 'wrap', signal, () => wrapStream(started.memory, domainXml), (path) => path);
    const layer = join(dir, 'disk.qcow2');
    await runPhase(emit, 'layer', signal, () => qemuImg(['create', '-q', '-f', 'qcow2', '-b', started.lazy.image, '-F', 'raw', layer], signal ? { signal } : {}), () => `qcow2 over ${started.lazy.image}`);
    const origin = { base: base.id, overlay: typeof overlay === 'string' ? overlay : options.origin ?? 'stream' };
    const vm = await launchVm({ disk: layer, backing: started.lazy.image, memory, hardware: base.hardware, domainType: base.domain.type, adopt: true, origin }, options);
    return serve(vm, started, options);
  } catch (error) {
    await early?.close();
    throw signal?.aborted ? signal.reason : error;
  } finally {
    if (staging) await rm(staging.path, { recursive: true, force: true });
  }
}

/** The VM runs: report the disk's arrival, stop the VM if a blob fails, unmount when the VM is gone. */
function serve(vm: LaunchedVm, early: EarlySynthesis, options: EarlyStartOptions): EarlyStartedVm {
  const emit = options.onProgress ?? (() => undefined);
  const startedAt = performance.now();
  emit({ kind: 'phase-start', phase: 'early-disk' });
  const manage = { ...(options.cloudletDir ? { cloudletDir: options.cloudletDir } : {}), ...(options.libvirtUri ? { libvirtUri: options.libvirtUri } : {}) };
  const destroy = async (): Promise<void> => {
    await destroyVm(vm.id, manage).catch(() => undefined);
    await early.close();
  };
  const complete = early.disk.then(
    (stats) => {
      emit({ kind: 'phase-end', phase: 'early-disk', elapsedMs: Math.round(performance.now() - startedAt), detail: `overlay complete: ${stats.diskBlobs} disk blobs after the VM resumed, ${stats.blockedReads} reads waited for a blob, ${stats.jumps} on-demand fetches jumped the queue` });
      return stats;
    },
    async (error: unknown) => {
      await destroy();
      emit({ kind: 'cleaned', domain: vm.name, path: vm.dir });
      throw error;
    },
  );
  complete.catch(() => undefined);
  const ended = watchDomain(vm, options.libvirtUri, WATCH_MS).then(() => early.close());
  const abort = () => void destroy();
  options.signal?.addEventListener('abort', abort, { once: true });
  void ended.finally(() => options.signal?.removeEventListener('abort', abort));
  return { vm, complete, ended, destroy: () => destroy().then(() => ended) };
}

async function openOverlay(base: BaseVm, overlay: string | Readable | AsyncIterable<Uint8Array>, options: EarlyStartOptions): Promise<OpenedOverlay> {
  const trusted: { expectedBaseVmId: string; trustedKeys?: readonly TrustedKey[] } = { expectedBaseVmId: base.id, ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}) };
  if (typeof overlay === 'string' && !isOverlayUrl(overlay)) return openOverlayPackage(resolve(overlay), trusted);
  const maxBytes = Math.min(options.download?.maxBytes ?? DEFAULT_DOWNLOAD_POLICY.maxBytes, overlaySizeBound(base));
  const source = typeof overlay === 'string'
    ? fetchOverlay(overlay, { ...options.download, maxBytes, ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) })
    : overlay;
  return openOverlayStream(source, { ...trusted, ...(options.declaredBytes !== undefined ? { declaredBytes: options.declaredBytes } : {}) });
}
