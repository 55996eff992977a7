/**
 * Synthesis for early start: the memory snapshot is rebuilt completely (QEMU 7.2 restores memory
 * only from a whole stream), then the disk is left to arrive. Overlays put every memory page before
 * the first disk chunk (createOverlay), so the memory is complete after the last blob claiming
 * pages, usually the first few; their disk chunks and those of every later blob go to a scratch
 * file behind a lazy disk, and the blobs after it keep being applied (feedDisk) while the caller
 * resumes the VM over the lazy disk. A package file is read in demand order; a stream in its own.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFlatPages } from '../image/memory/index.js';
import { applyItems, ItemApplier } from '../overlay/apply/index.js';
import { ChunkFile } from '../overlay/chunk-io/index.js';
import { CodecPool, prefetchBlobs } from '../overlay/compress/index.js';
import { DeltaDecoder } from '../overlay/delta/index.js';
import { OverlayPackage, type BlobMeta } from '../overlay/package/index.js';
import { phaseSequence, type ProgressListener } from '../progress/index.js';
import { makeScratchDir } from '../scratch/index.js';
import { BasePagesSizeError, saveImageHeader, type OpenedOverlay } from '../synthesis/index.js';
import { MemorySnapshotWriter } from '../synthesis/memory-snapshot-writer.js';
import { claimedChunks, fitOverlayToBase } from '../synthesis/overlay-fit.js';
import { DemandQueue } from './demand-queue.js';
import { feedDisk } from './disk-feeder.js';
import { mountLazyDisk, type MountedLazyDisk } from './lazy-disk-mount.js';

export interface EarlySynthesisInput {
  base: { disk: string; memory: string; id: string; memoryPages?: string };
  /** Opened and checked against the base (signature, Base VM ID); closed when the disk is complete. */
  overlay: OpenedOverlay;
  /** Receives the memory snapshot, `memory.mem` or `memory.save`. */
  outputDir: string;
  /** Where the lazy disk's directory is made (QEMU must reach it). */
  lazyParent: string;
  qemuGid: number | undefined;
  /** Domain XML for a libvirt save header; required when the overlay's memory was one. */
  domainXml?: string;
  /** Phases base-memory, apply (memory blobs), write-memory; a blob event per blob, the disk's included. */
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** What early synthesis counted once the disk was complete. */
export interface EarlyDiskStats {
  /** Blobs applied after the memory was complete. */
  diskBlobs: number;
  /** Reads of the lazy disk that waited for a blob. */
  blockedReads: number;
  /** Demands that moved a blob ahead of others (0 for a stream). */
  jumps: number;
}

export interface EarlySynthesis {
  /** The complete memory snapshot. */
  memory: string;
  lazy: MountedLazyDisk;
  /** Settles when every disk blob is in (the overlay and its files are then closed), or one failed (LazyDiskFailedError; the disk fails its reads). */
  disk: Promise<EarlyDiskStats>;
  /** Stops the feeding, unmounts the disk and removes everything; after the VM is gone. */
  close(): Promise<void>;
}

/**
 * Rebuilds the memory of base + overlay and mounts the lazy disk; the disk blobs keep coming in `disk`.
 *
 * @example const early = await synthesizeEarly({ base, overlay: pkg, outputDir, lazyParent, qemuGid });
 */
export async function synthesizeEarly(input: EarlySynthesisInput): Promise<EarlySynthesis> {
  const { base, overlay: pkg, signal } = input;
  const emit = input.onProgress ?? (() => undefined);
  const phases = phaseSequence(emit);
  const stop = new AbortController();
  const feedSignal = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const closers: Array<() => Promise<unknown>> = [() => pkg.close()];
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };
  let lazy: MountedLazyDisk | undefined;
  try {
    const scratch = await makeScratchDir(input.outputDir, '.early-');
    closers.push(() => rm(scratch, { recursive: true, force: true }));
    const { meta } = pkg;
    const { state, itemBlobs, layout } = await fitOverlayToBase(pkg, base, input.domainXml);
    const basePages = base.memoryPages ?? join(scratch, 'base.pages');
    if (base.memoryPages === undefined) {
      phases.start('base-memory');
      await writeFlatPages(base.memory, basePages);
    }
    const baseMemory = await ChunkFile.open(basePages);
    closers.push(() => baseMemory.close());
    if (baseMemory.chunks !== layout.pages) throw new BasePagesSizeError(basePages, layout.pages, baseMemory.chunks);
    const baseDisk = await ChunkFile.open(base.disk);
    closers.push(() => baseDisk.close());
    const pages = await ChunkFile.create(join(scratch, 'memory.pages'), layout.pages);
    closers.push(() => pages.close());

    const lastMemory = itemBlobs.reduce((last, blob, index) => (blob.memory.length > 0 ? index : last), -1);
    const diskBlobs = itemBlobs.slice(lastMemory + 1);
    const queue = pkg instanceof OverlayPackage ? new DemandQueue(diskBlobs.map((blob) => blob.name)) : undefined;
    lazy = await mountLazyDisk({ parent: input.lazyParent, base: base.disk, meta, qemuGid: input.qemuGid, ...(queue ? { onDemand: (name: string) => queue.demand(name) } : {}) });
    const applier = new ItemApplier({ base: { memory: baseMemory, disk: baseDisk }, output: { memory: pages, disk: lazy.scratch }, delta: await DeltaDecoder.create() });
    const pool = new CodecPool();
    closers.push(() => pool.close());
    const onBlob = (blob: BlobMeta, items: number) => emit({ kind: 'blob', name: blob.name, items, size: blob.size, uncompressedSize: blob.uncompressedSize });

    phases.start('apply');
    const memoryBlobs = itemBlobs.slice(0, lastMemory + 1);
    for await (const { blob, data } of prefetchBlobs(pkg, memoryBlobs, { pool })) {
      signal?.throwIfAborted();
      onBlob(blob, await applyItems([data], blob, applier));
      lazy.scratch.flush();
      lazy.disk.arrived(blob.name);
    }
    phases.start('write-memory');
    const claimed = claimedChunks(memoryBlobs, 'memory');
    const memory = join(input.outputDir, state.libvirt === null ? 'memory.mem' : 'memory.save');
    const prefix = state.libvirt === null ? null : saveImageHeader({ domainXml: input.domainXml!, wasRunning: state.libvirt.wasRunning });
    const writer = await MemorySnapshotWriter.create(memory, { layout, state, prefix });
    try {
      pages.flush();
      await writer.copyPages(baseMemory, (page) => !claimed.has(page), signal);
      await writer.copyPages(pages, (page) => claimed.has(page), signal);
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
    phases.end();

    const mounted = lazy;
    const disk = feedDisk({ source: pkg, applier, lazy: mounted, blobs: diskBlobs, pool, onBlob, signal: feedSignal, ...(queue ? { queue } : {}) })
      .then(() => ({ diskBlobs: diskBlobs.length, blockedReads: mounted.disk.blockedReads, jumps: queue?.jumps ?? 0 }))
      .finally(closeAll);
    disk.catch(() => undefined);
    let closing: Promise<void> | undefined;
    const close = async () => {
      stop.abort(new Error('the early-started VM was closed'));
      await disk.catch(() => undefined);
      await mounted.close();
    };
    return { memory, lazy: mounted, disk, close: () => (closing ??= close()) };
  } catch (error) {
    await lazy?.close();
    await closeAll();
    throw error;
  }
}
