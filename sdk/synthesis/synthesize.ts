import { access, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { applyBlob, ItemApplier } from '../overlay/apply/index.js';
import { ChunkFile, CHUNK_SIZE } from '../overlay/chunk-io/index.js';
import { baseVmId } from '../overlay/create/index.js';
import { DeltaDecoder } from '../overlay/delta/index.js';
import { openOverlayPackage, type OverlayMeta } from '../overlay/package/index.js';
import { DomainXmlRequiredError, OutputExistsError, OverlaySizeError } from './errors.js';
import { mergeDisk } from './merge-disk.js';
import type { SynthesisProgressListener } from './progress.js';
import { readVmState } from '../overlay/create/index.js';
import { saveImageHeader } from './save-image-header.js';
import { SnapshotPages } from './snapshot-pages.js';
import { writeMemory } from './write-memory.js';

export interface SynthesizeInput {
  base: { disk: string; memory: string; id?: string };
  /** The overlay package. */
  overlay: string;
  /** Existing directory that receives `disk.raw` and `memory.mem` (or `memory.save`). */
  outputDir: string;
  options?: SynthesizeOptions;
}

export interface SynthesizeOptions {
  /** Domain XML for the rebuilt libvirt save image header; required when the overlay's memory was one. */
  domainXml?: string;
  onProgress?: SynthesisProgressListener;
}

export interface SynthesizeResult {
  /** The raw disk, bit-identical to the customized disk. */
  disk: string;
  /** The memory snapshot: a libvirt save image (`memory.save`) or a bare migration stream (`memory.mem`). */
  memory: string;
  meta: OverlayMeta;
}

/**
 * Rebuilds the customized VM from its base and an overlay. The package is opened against the
 * base's ID (BaseVmMismatchError otherwise); every blob is verified before use; the disk is the
 * base plus the overlay's chunks minus its zeroed runs; the memory snapshot is the base's pages
 * plus the overlay's, with the customized VM's device state. Everything is written under temporary
 * names inside `outputDir` and renamed at the end; on any error nothing is left behind.
 *
 * @example
 * const { disk, memory } = await synthesize({ base: { disk: 'base.raw', memory: 'base.mem' }, overlay: 'vm.overlay', outputDir: '/vm/out' });
 */
export async function synthesize(input: SynthesizeInput): Promise<SynthesizeResult> {
  const { base, outputDir } = input;
  const options = input.options ?? {};
  const emit = options.onProgress ?? (() => undefined);
  emit({ type: 'phase', phase: 'base-id' });
  const id = base.id ?? (await baseVmId(base.disk));
  emit({ type: 'phase', phase: 'open' });
  const pkg = await openOverlayPackage(input.overlay, { expectedBaseVmId: id });
  const closers: Array<() => Promise<void>> = [() => pkg.close()];
  const scratch = await mkdtemp(join(outputDir, '.synthesis-')).catch(async (error: unknown) => {
    await pkg.close();
    throw error;
  });
  const placed: string[] = [];
  try {
    const { meta } = pkg;
    const { state, itemBlobs } = await readVmState(pkg);
    const baseDiskBytes = (await stat(base.disk)).size;
    if (meta.diskSize !== baseDiskBytes) throw new OverlaySizeError('disk', meta.diskSize, baseDiskBytes);
    emit({ type: 'phase', phase: 'base-memory' });
    const baseMemory = await SnapshotPages.open(base.memory);
    closers.push(() => baseMemory.close());
    baseMemory.layout.assertSame(state.header.blocks);
    if (meta.memorySize !== baseMemory.layout.bytes) throw new OverlaySizeError('memory', meta.memorySize, baseMemory.layout.bytes);
    if (state.libvirt !== null && options.domainXml === undefined) throw new DomainXmlRequiredError();
    const final = { disk: join(outputDir, 'disk.raw'), memory: join(outputDir, state.libvirt === null ? 'memory.mem' : 'memory.save') };
    for (const path of Object.values(final)) await refuseExisting(path);

    emit({ type: 'phase', phase: 'apply' });
    const paths = { disk: join(scratch, 'disk.raw'), pages: join(scratch, 'memory.pages'), memory: join(scratch, 'memory') };
    const baseDisk = await ChunkFile.open(base.disk);
    closers.push(() => baseDisk.close());
    const outDisk = await ChunkFile.create(paths.disk, meta.diskSize / CHUNK_SIZE);
    closers.push(() => outDisk.close());
    const outPages = await ChunkFile.create(paths.pages, baseMemory.layout.pages);
    closers.push(() => outPages.close());
    const applier = new ItemApplier({ base: { memory: baseMemory, disk: baseDisk }, output: { memory: outPages, disk: outDisk }, delta: await DeltaDecoder.create() });
    for (const blob of itemBlobs) {
      const items = await applyBlob(pkg.readBlob(blob.name), blob, applier);
      emit({ type: 'blob', name: blob.name, items });
    }
    await outDisk.sync();

    emit({ type: 'phase', phase: 'merge-disk' });
    await mergeDisk(base.disk, paths.disk, (index) => applier.has({ kind: 'disk', index }), meta.diskZeroed);
    emit({ type: 'phase', phase: 'write-memory' });
    const prefix = state.libvirt === null ? null : saveImageHeader({ domainXml: options.domainXml!, wasRunning: state.libvirt.wasRunning });
    await writeMemory(paths.memory, { layout: baseMemory.layout, state, base: baseMemory, written: outPages, isWritten: (page) => applier.has({ kind: 'memory', index: page }), prefix });

    emit({ type: 'phase', phase: 'finish' });
    for (const [from, to] of [[paths.disk, final.disk], [paths.memory, final.memory]] as const) {
      await refuseExisting(to);
      await rename(from, to);
      placed.push(to);
    }
    return { ...final, meta };
  } catch (error) {
    await Promise.all(placed.map((path) => rm(path, { force: true })));
    throw error;
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    await rm(scratch, { recursive: true, force: true });
  }
}

async function refuseExisting(path: string): Promise<void> {
  const exists = await access(path).then(() => true, () => false);
  if (exists) throw new OutputExistsError(path);
}
