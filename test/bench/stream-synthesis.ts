/**
 * `npm run bench -- stream`: the synthesis benchmark's VM pair (dataset/) sent over a link paced
 * to 38 Mbps, the JIT paper's measured WiFi (a Readable that paces its bytes, test/fixtures/
 * byte-streams.ts; no tc), two ways: (a) pipelined, the package read from the stream and each blob
 * applied while the next arrives (openOverlayStream into synthesize, what synthesizeVmFromStream
 * does); (b) the package written to a file as it arrives, then synthesized. Timed from the first
 * byte sent to the disk and memory snapshot written; resuming them is the same for both and is
 * not part of it (the pair's memory is a bare QEMU stream of a guest started outside libvirt). The
 * pipelined output is checked byte for byte against the customized VM. Also timed: the package
 * writer's finish(), which now copies the spooled blobs behind the meta (format v2). Median of 3.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { baseVmId, createOverlay, prepareBaseMemory } from '../../sdk/overlay/create/index.js';
import { createOverlayPackage, openOverlayPackage, openOverlayStream } from '../../sdk/overlay/package/index.js';
import { synthesize } from '../../sdk/synthesis/index.js';
import { PacedStream } from '../fixtures/byte-streams.js';
import { assertSameDisk, assertSamePages } from '../sdk/synthesis/compare.js';
import { ensureDataset } from './dataset/index.js';
import { progress, step } from './steps.js';

const LINK_BYTES_PER_SECOND = 38e6 / 8;
const RUNS = 3;

const median = (values: readonly number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const seconds = (ms: number) => (ms / 1000).toFixed(2);

/** Runs the benchmark and returns its printout. */
export async function streamSynthesisBench(): Promise<string> {
  const [loadBefore] = loadavg();
  const dataset = await step('dataset', () => ensureDataset());
  const scratch = await mkdtemp(join(process.env['CLOUDLET_BENCH_SCRATCH'] ?? '/var/tmp', 'bench-stream-'));
  try {
    const id = await baseVmId(dataset.baseDisk);
    const memoryCache = join(scratch, 'base-memory');
    const prepared = await prepareBaseMemory(dataset.baseMemory, memoryCache);
    const base = { disk: dataset.baseDisk, memory: dataset.baseMemory, id, memoryPages: prepared.pages };
    const overlayPath = join(scratch, 'custom.overlay');
    await step('overlay', () => createOverlay({ base: { disk: base.disk, memory: base.memory, id, memoryCache }, customized: { disk: dataset.customDisk, diskFormat: 'qcow2', memory: dataset.customMemory }, output: overlayPath }));
    const overlay = await readFile(overlayPath);
    const finishMs = await step('writer finish (blobs copied behind the meta)', () => timeFinish(overlayPath, join(scratch, 'rewritten.overlay')));
    const out = join(scratch, 'out');
    const fresh = async () => {
      await rm(out, { recursive: true, force: true });
      await mkdir(out);
    };
    const rows = { pipelined: [] as number[], sequential: [] as number[], transfer: [] as number[], pipelinedTransfer: [] as number[], local: [] as number[] };
    for (let run = 0; run < RUNS; run++) {
      await fresh();
      const local = performance.now();
      await synthesize({ base, overlay: overlayPath, outputDir: out });
      rows.local.push(performance.now() - local);

      await fresh();
      const streamed = new PacedStream(overlay, LINK_BYTES_PER_SECOND);
      const pkg = await openOverlayStream(streamed, { expectedBaseVmId: id, declaredBytes: overlay.length });
      const result = await synthesize({ base, overlay: pkg, outputDir: out });
      rows.pipelined.push(performance.now() - streamed.firstByteAt!);
      rows.pipelinedTransfer.push(streamed.lastByteAt! - streamed.firstByteAt!);
      if (run === 0) {
        await assertSameDisk(result.disk, dataset.customDisk, 'qcow2', scratch);
        await assertSamePages(result.memory, dataset.customMemory);
      }

      await fresh();
      const downloaded = new PacedStream(overlay, LINK_BYTES_PER_SECOND);
      const file = join(scratch, 'downloaded.overlay');
      await rm(file, { force: true });
      await pipeline(downloaded, createWriteStream(file, { mode: 0o600 }));
      rows.transfer.push(downloaded.lastByteAt! - downloaded.firstByteAt!);
      await synthesize({ base, overlay: file, outputDir: out });
      rows.sequential.push(performance.now() - downloaded.firstByteAt!);
      progress(`run ${run + 1}: pipelined ${seconds(rows.pipelined.at(-1)!)} s, download then synthesize ${seconds(rows.sequential.at(-1)!)} s, transfer ${seconds(rows.transfer.at(-1)!)} s`);
    }
    const transfer = median(rows.transfer);
    return [
      `Stream synthesis: ${(overlay.length / 1e6).toFixed(1)} MB overlay of the benchmark pair over a link paced to 38 Mbps (${LINK_BYTES_PER_SECOND / 1e6} MB/s); median of ${RUNS}; load ${loadBefore!.toFixed(2)} before`,
      '',
      '| what | s | − transfer s |',
      '| --- | --- | --- |',
      `| transfer alone (first to last byte, into a file) | ${seconds(transfer)} | 0.00 |`,
      `| (a) pipelined: first byte to synthesized | ${seconds(median(rows.pipelined))} | ${seconds(median(rows.pipelined) - transfer)} |`,
      `| (a)'s transfer, held back when synthesis is slower than the link | ${seconds(median(rows.pipelinedTransfer))} | ${seconds(median(rows.pipelinedTransfer) - transfer)} |`,
      `| (b) download, then synthesize | ${seconds(median(rows.sequential))} | ${seconds(median(rows.sequential) - transfer)} |`,
      `| synthesis from a local file (no transfer) | ${seconds(median(rows.local))} | |`,
      '',
      `Goal: (a) ≤ transfer + 2 s: ${median(rows.pipelined) <= transfer + 2000 ? 'met' : 'NOT met'}. Package writer finish() with the blobs copied behind the meta: ${seconds(finishMs)} s.`,
      '',
    ].join('\n');
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** How long finish() takes for a package holding the blobs of `source`: the copy of the spooled blobs, the meta, the read-back check. */
async function timeFinish(source: string, target: string): Promise<number> {
  const pkg = await openOverlayPackage(source, { expectedBaseVmId: null });
  try {
    const writer = await createOverlayPackage(target, { baseVmId: pkg.meta.baseVmId, diskSize: pkg.meta.diskSize, memorySize: pkg.meta.memorySize, createdBy: pkg.meta.createdBy });
    for (const blob of pkg.meta.blobs) await writer.addBlob(pkg.readBlob(blob.name), { ...blob });
    const started = performance.now();
    await writer.finish(pkg.meta.diskZeroed);
    return performance.now() - started;
  } finally {
    await pkg.close();
  }
}
