/**
 * What the dataset holds, measured once when it is built: how much of the disk and of the memory the
 * customization changed. "Raw changed data" in the table (the bytes any overlay must encode, before
 * dedup and compression) is the changed 4 KiB disk chunks plus the changed non-zero memory pages.
 */
import { stat } from 'node:fs/promises';
import { CHUNK_SIZE, diskChanges, mapExtents } from '../../../sdk/image/disk/index.js';
import { changedPages, MigrationStreamReader, PAGE_SIZE, PageIndex } from '../../../sdk/image/memory/index.js';

export interface DiskFacts {
  /** Virtual size of the base raw image (and of the customized disk). */
  sizeBytes: number;
  /** Bytes of the base raw image actually allocated on the host (it is sparse). */
  baseAllocatedBytes: number;
  qcow2FileBytes: number;
  /** Guest bytes the qcow2 overlay holds data for (`qemu-img map`, depth 0, 64 KiB clusters). */
  qcow2DataBytes: number;
  /** Guest bytes the overlay marks zero (discards, write-zeroes). */
  qcow2ZeroBytes: number;
  /** 4 KiB chunks of the overlay's data clusters that differ from the base. */
  changedChunks: number;
  /** 4 KiB chunks the overlay zeroed. */
  zeroedChunks: number;
}

export interface MemoryFacts {
  /** Sum of the RAM block lengths (guest RAM plus BIOS/ROM blocks). */
  ramBytes: number;
  baseFileBytes: number;
  customFileBytes: number;
  baseDataPages: number;
  customDataPages: number;
  /** Pages whose content differs between base and customized snapshot. */
  changedPages: number;
  /** Of those, the pages that are non-zero in the customized snapshot (the ones carrying data). */
  changedDataPages: number;
}

export interface DatasetFacts {
  disk: DiskFacts;
  memory: MemoryFacts;
  /** Changed disk chunks and changed non-zero memory pages, in bytes. */
  rawChangedBytes: number;
}

/**
 * Measures a built dataset (reads the qcow2's data clusters and both memory snapshots once).
 *
 * @example
 * const facts = await measureFacts({ baseDisk, customDisk, baseMemory, customMemory });
 */
export async function measureFacts(files: { baseDisk: string; customDisk: string; baseMemory: string; customMemory: string }): Promise<DatasetFacts> {
  const disk = await diskFacts(files.baseDisk, files.customDisk);
  const memory = await memoryFacts(files.baseMemory, files.customMemory);
  return { disk, memory, rawChangedBytes: disk.changedChunks * CHUNK_SIZE + memory.changedDataPages * PAGE_SIZE };
}

async function diskFacts(baseDisk: string, customDisk: string): Promise<DiskFacts> {
  const [base, qcow2] = await Promise.all([stat(baseDisk), stat(customDisk)]);
  const facts: DiskFacts = {
    sizeBytes: base.size,
    baseAllocatedBytes: base.blocks * 512,
    qcow2FileBytes: qcow2.size,
    qcow2DataBytes: 0,
    qcow2ZeroBytes: 0,
    changedChunks: 0,
    zeroedChunks: 0,
  };
  for await (const extent of mapExtents(customDisk, 'qcow2', base.size)) {
    if (extent.depth !== 0) continue;
    if (extent.zero) facts.qcow2ZeroBytes += extent.length;
    else if (extent.data) facts.qcow2DataBytes += extent.length;
  }
  for await (const change of diskChanges({ format: 'qcow2', image: customDisk, base: baseDisk })) {
    if (change.kind === 'modified') facts.changedChunks++;
    else facts.zeroedChunks += change.count;
  }
  return facts;
}

async function memoryFacts(baseMemory: string, customMemory: string): Promise<MemoryFacts> {
  const [base, custom] = [await pageIndex(baseMemory), await pageIndex(customMemory)];
  let changed = 0;
  let changedData = 0;
  for (const change of changedPages(base, custom)) {
    changed++;
    if (change.next && !change.next.zero) changedData++;
  }
  const [baseFile, customFile] = await Promise.all([stat(baseMemory), stat(customMemory)]);
  return {
    ramBytes: custom.blocks.reduce((sum, block) => sum + block.length, 0),
    baseFileBytes: baseFile.size,
    customFileBytes: customFile.size,
    baseDataPages: base.counts().data,
    customDataPages: custom.counts().data,
    changedPages: changed,
    changedDataPages: changedData,
  };
}

/** Indexes every page and reads the device state too, so a stream the SDK cannot parse fails the build. */
async function pageIndex(path: string): Promise<PageIndex> {
  const stream = await MigrationStreamReader.openFile(path);
  try {
    const index = await PageIndex.fromStream(stream);
    await stream.deviceState();
    return index;
  } finally {
    stream.close();
  }
}
