import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { placeFile } from '../files/index.js';
import { phaseSequence, type ProgressListener } from '../progress/index.js';
import { makeScratchDir } from '../scratch/index.js';
import { writeFlatPages } from '../image/memory/index.js';
import { applyItems, ItemApplier } from '../overlay/apply/index.js';
import { ChunkFile } from '../overlay/chunk-io/index.js';
import { prefetchBlobs } from '../overlay/compress/index.js';
import { baseVmId } from '../overlay/vm-state/index.js';
import { DeltaDecoder } from '../overlay/delta/index.js';
import { BaseVmMismatchError, openOverlayPackage, type OverlayMeta, type TrustedKey } from '../overlay/package/index.js';
import { BasePagesSizeError, OutputExistsError, OutputSpaceError } from './errors.js';
import { DISK_FILE, openDiskOutput } from './disk-output.js';
import { claimedChunks, fitOverlayToBase } from './overlay-fit.js';
import { saveImageHeader } from './save-image-header.js';
import { MemorySnapshotWriter } from './memory-snapshot-writer.js';

/** What synthesize rebuilds from: the base VM's files, the overlay package, and where the output goes. */
export interface SynthesizeInput {
  /**
   * The base VM: its raw disk, its memory snapshot, and what a registered base keeps beside them:
   * its ID (else the disk is hashed) and its RAM as a flat page file (else one is built first).
   */
  base: { disk: string; memory: string; id?: string; memoryPages?: string };
  /**
   * The overlay package: its path, or one already opened (openOverlayPackage, or openOverlayStream
   * for a package applied while it arrives), whose opener checked its signature; synthesize closes it.
   */
  overlay: string | OpenedOverlay;
  /** Existing directory that receives the disk (`disk.qcow2`, or `disk.raw` with output 'raw') and `memory.mem` (or `memory.save`). */
  outputDir: string;
  options?: SynthesizeOptions;
}

/** An opened overlay package: a file (OverlayPackage) or a stream (StreamedOverlayPackage, blobs read in meta order). */
export interface OpenedOverlay {
  readonly meta: OverlayMeta;
  /** The blob's bytes in pieces; the iteration throws at its end unless they matched the meta's SHA-256. */
  readBlob(name: string): AsyncIterable<Uint8Array>;
  /** Releases the file, or stops reading the stream. */
  close(): Promise<void>;
}

/** Options of synthesize: the domain XML template, progress, abort signal. */
export interface SynthesizeOptions {
  /** Domain XML for the rebuilt libvirt save image header; required when the overlay's memory was one. */
  domainXml?: string;
  /** Phases base-id, open, base-memory (without memoryPages), apply (a blob event per blob), write-memory, finish. */
  onProgress?: ProgressListener;
  /** Aborting stops synthesis at its next blob or run of pages; it then throws the signal's reason and leaves nothing behind. */
  signal?: AbortSignal;
  /** Accept only an overlay signed by one of these keys (readTrustedKeys), checked when it is opened, before any blob is read; for an overlay given by path. */
  trustedKeys?: readonly TrustedKey[];
  /**
   * 'layer' (default): the disk is a qcow2 layer whose backing file is `base.disk` (by its absolute
   * path), holding only the overlay's data; the base must stay where it is, unchanged, as long as
   * the layer is used. 'raw': a standalone raw image with the base's data copied in.
   */
  output?: 'layer' | 'raw';
}

/** The disk and memory snapshot synthesize wrote. */
export interface SynthesizeResult {
  /** The disk: read through its backing file (a layer) or alone (raw), bit-identical to the customized disk. */
  disk: string;
  diskFormat: 'qcow2' | 'raw';
  /** The memory snapshot: a libvirt save image (`memory.save`) or a bare migration stream (`memory.mem`). */
  memory: string;
  meta: OverlayMeta;
}

/**
 * Rebuilds the customized VM from its base and an overlay. The package is opened against the
 * base's ID (BaseVmMismatchError otherwise) and, given trusted keys, checked for their signature;
 * every blob is verified before use; the disk is the base plus the overlay's chunks minus its
 * zeroed runs; the memory snapshot is the base's pages plus the overlay's, with the customized
 * VM's device state. The disk is a qcow2 layer over the base's disk unless output 'raw' is asked
 * for (SynthesizeOptions.output). Everything is written as new private files in a scratch directory inside
 * `outputDir` and linked into place at the end, never over an existing file; on any error nothing
 * is left behind.
 *
 * @example
 * const { disk, memory } = await synthesize({ base: { disk: 'base.raw', memory: 'base.mem' }, overlay: 'vm.overlay', outputDir: '/vm/out' });
 */
export async function synthesize(input: SynthesizeInput): Promise<SynthesizeResult> {
  const { base, outputDir } = input;
  const options = input.options ?? {};
  const emit = options.onProgress ?? (() => undefined);
  const phases = phaseSequence(emit);
  const { signal } = options;
  signal?.throwIfAborted();
  phases.start('base-id');
  const id = base.id ?? (await baseVmId(base.disk));
  phases.start('open');
  const pkg = await openOverlay(input.overlay, id, options.trustedKeys);
  const closers: Array<() => Promise<void>> = [() => pkg.close()];
  const scratch = await makeScratchDir(outputDir, '.synthesis-').catch(async (error: unknown) => {
    await pkg.close();
    throw error;
  });
  const placed: string[] = [];
  try {
    const { meta } = pkg;
    const { state, itemBlobs, layout } = await fitOverlayToBase(pkg, base, options.domainXml);
    const diskKind = options.output ?? 'layer';
    const final = { disk: join(outputDir, DISK_FILE[diskKind]), memory: join(outputDir, state.libvirt === null ? 'memory.mem' : 'memory.save') };
    for (const path of Object.values(final)) await refuseExisting(path);

    const paths = { disk: join(scratch, DISK_FILE[diskKind]), pages: join(scratch, 'memory.pages'), memory: join(scratch, 'memory'), basePages: base.memoryPages ?? join(scratch, 'base.pages') };
    if (base.memoryPages === undefined) {
      phases.start('base-memory');
      await writeFlatPages(base.memory, paths.basePages);
    }
    const baseMemory = await ChunkFile.open(paths.basePages);
    closers.push(() => baseMemory.close());
    if (baseMemory.chunks !== layout.pages) throw new BasePagesSizeError(paths.basePages, layout.pages, baseMemory.chunks);

    phases.start('apply');
    const baseDisk = await ChunkFile.open(base.disk);
    closers.push(() => baseDisk.close());
    // The blobs' claims say which chunks the items will write (the reader holds each blob to its
    // claims), so the base's disk chunks (raw output) and memory pages go out while the items are applied.
    const claimed = { disk: claimedChunks(itemBlobs, 'disk'), memory: claimedChunks(itemBlobs, 'memory') };
    const outDisk = await openDiskOutput(diskKind, paths.disk, { base: baseDisk, size: meta.diskSize, claimed: (index) => claimed.disk.has(index), zeroed: meta.diskZeroed, ...(signal ? { signal } : {}) });
    closers.push(() => outDisk.close());
    const outPages = await ChunkFile.create(paths.pages, layout.pages);
    closers.push(() => outPages.close());
    const applier = new ItemApplier({ base: { memory: baseMemory, disk: baseDisk }, output: { memory: outPages, disk: outDisk.store }, delta: await DeltaDecoder.create() });
    const prefix = state.libvirt === null ? null : saveImageHeader({ domainXml: options.domainXml!, wasRunning: state.libvirt.wasRunning });
    const memory = await MemorySnapshotWriter.create(paths.memory, { layout, state, prefix });
    const background = Promise.all([outDisk.background, memory.copyPages(baseMemory, (page) => !claimed.memory.has(page), signal)]);
    background.catch(() => undefined);
    try {
      const applied = { done: 0, total: itemBlobs.reduce((sum, blob) => sum + blob.size, 0) };
      for await (const { blob, data } of prefetchBlobs(pkg, itemBlobs)) {
        signal?.throwIfAborted();
        const items = await applyItems([data], blob, applier);
        applied.done += blob.size;
        emit({ kind: 'blob', name: blob.name, items, size: blob.size, uncompressedSize: blob.uncompressedSize });
        emit({ kind: 'bytes', phase: 'apply', ...applied });
      }
      await outDisk.finish();
      // Written out before anyone else looks: qemu-img map (holes) and a failing flush must not wait for close().
      outPages.flush();
      await background;
      phases.start('write-memory');
      await memory.copyPages(outPages, (page) => claimed.memory.has(page), signal);
      await memory.finish();
    } catch (error) {
      await background.catch(() => undefined);
      await memory.abort();
      throw error;
    }

    phases.start('finish');
    for (const [from, to] of [[paths.disk, final.disk], [paths.memory, final.memory]] as const) {
      await placeFile(from, to, (path) => new OutputExistsError(path));
      placed.push(to);
    }
    phases.end();
    return { ...final, diskFormat: diskKind === 'layer' ? 'qcow2' : 'raw', meta };
  } catch (error) {
    await Promise.all(placed.map((path) => rm(path, { force: true })));
    if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw new OutputSpaceError(outputDir, pkg.meta.diskSize, pkg.meta.memorySize, { cause: error });
    throw error;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Opens the package at `overlay`, or checks the Base VM ID of one already open (closing it if wrong). */
async function openOverlay(overlay: string | OpenedOverlay, id: string, trustedKeys: readonly TrustedKey[] | undefined): Promise<OpenedOverlay> {
  if (typeof overlay === 'string') return openOverlayPackage(overlay, { expectedBaseVmId: id, ...(trustedKeys ? { trustedKeys } : {}) });
  if (overlay.meta.baseVmId !== id) {
    await overlay.close();
    throw new BaseVmMismatchError(id, overlay.meta.baseVmId);
  }
  return overlay;
}

async function refuseExisting(path: string): Promise<void> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) throw new OutputExistsError(path);
}
