/**
 * The benchmark's only contact with our overlay code, on the same input as the peers: the base VM
 * is dataset.baseDisk + baseMemory, the customized VM dataset.customDisk (qcow2 on baseDisk) +
 * customMemory. Timed: createOverlay writing the package; synthesize writing disk + memory (every
 * blob verified); and, as the floor synthesis is held to (goal: synthesis <= 1.2x), verifying and
 * decompressing every blob with nothing else. Synthesis writes the disk as a qcow2 layer over the
 * base's disk (the default); the standalone raw output (the path before layers) is timed too, and
 * the disk bytes each leaves used (du). Not timed: what a base VM has once it exists (its
 * ID and its memory as a flat page file with hash list), and the check that the synthesized disk
 * and memory equal the customized ones.
 */
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { decompressBlob } from '../../sdk/overlay/compress/index.js';
import { baseVmId, createOverlay, prepareBaseMemory } from '../../sdk/overlay/create/index.js';
import { openOverlayPackage } from '../../sdk/overlay/package/index.js';
import { synthesize } from '../../sdk/synthesis/index.js';
import { assertSameDisk, assertSamePages } from '../sdk/synthesis/compare.js';
import type { Dataset } from './dataset/index.js';

export interface OursResult {
  sizeBytes: number;
  createMs: number;
  synthMs: number;
  /** Synthesis with output 'raw': the base's data copied into a standalone image. */
  synthRawMs: number;
  /** Disk bytes used (allocated blocks, as du counts) by the synthesized disk: the layer, and the raw image. */
  diskBytes: number;
  rawDiskBytes: number;
  decompressOnlyMs: number;
  /** Peak resident memory of this process (worker threads included) while creating / synthesizing. */
  createPeakRssKiB: number;
  synthPeakRssKiB: number;
}

/** Times `work` and samples the process's RSS every 20 ms, as the peers' /usr/bin/time does for them. */
async function timed<T>(work: () => Promise<T>): Promise<[T, number, number]> {
  let peak = process.memoryUsage.rss();
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  try {
    const result = await work();
    return [result, performance.now() - started, Math.round(Math.max(peak, process.memoryUsage.rss()) / 1024)];
  } finally {
    clearInterval(sampler);
  }
}

export async function ours(dataset: Dataset): Promise<OursResult> {
  const scratch = await mkdtemp(join(process.env['CLOUDLET_BENCH_SCRATCH'] ?? '/var/tmp', 'bench-ours-'));
  try {
    const memoryCache = join(scratch, 'base-memory');
    const base = { disk: dataset.baseDisk, memory: dataset.baseMemory, id: await baseVmId(dataset.baseDisk), memoryCache };
    const prepared = await prepareBaseMemory(dataset.baseMemory, memoryCache);
    const output = join(scratch, 'custom.overlay');
    const [, createMs, createPeakRssKiB] = await timed(() =>
      createOverlay({ base, customized: { disk: dataset.customDisk, diskFormat: 'qcow2', memory: dataset.customMemory }, output }),
    );
    const sizeBytes = (await stat(output)).size;
    const [, decompressOnlyMs] = await timed(async () => {
      const pkg = await openOverlayPackage(output, { expectedBaseVmId: base.id });
      try {
        for (const blob of pkg.meta.blobs) {
          for await (const piece of decompressBlob(pkg.readBlob(blob.name), { name: blob.name, codec: blob.codec, uncompressedSize: blob.uncompressedSize })) void piece;
        }
      } finally {
        await pkg.close();
      }
    });
    const [out, rawOut] = [join(scratch, 'synthesized'), join(scratch, 'synthesized-raw')];
    await Promise.all([mkdir(out), mkdir(rawOut)]);
    const [result, synthMs, synthPeakRssKiB] = await timed(() => synthesize({ base: { ...base, memoryPages: prepared.pages }, overlay: output, outputDir: out }));
    const [raw, synthRawMs] = await timed(() => synthesize({ base: { ...base, memoryPages: prepared.pages }, overlay: output, outputDir: rawOut, options: { output: 'raw' } }));
    await assertSameDisk(result.disk, dataset.customDisk, 'qcow2', scratch);
    await assertSameDisk(raw.disk, dataset.customDisk, 'qcow2', scratch);
    await assertSamePages(result.memory, dataset.customMemory);
    const [diskBytes, rawDiskBytes] = await Promise.all([result.disk, raw.disk].map(async (path) => (await stat(path)).blocks * 512));
    return { sizeBytes, createMs, synthMs, synthRawMs, diskBytes: diskBytes!, rawDiskBytes: rawDiskBytes!, decompressOnlyMs, createPeakRssKiB, synthPeakRssKiB };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
