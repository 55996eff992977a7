import { stat, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { makeScratchDir } from '../../scratch/index.js';
import { diskChanges, imageInfo, writeHashList, type ChunkRange } from '../../image/disk/index.js';
import { phaseSequence, type ProgressListener } from '../../progress/index.js';
import { packageVersion } from '../../version.js';
import { CodecPool, compressItemBlobs, resolveCodec, type ItemBlobOptions } from '../compress/index.js';
import type { DeltaAlgorithm } from '../delta/index.js';
import { openItemEncoder, type EncoderStats, type OverlayChunk } from '../encode/index.js';
import { createOverlayPackage, type BlobCodec, type OverlayMeta, type OverlaySigningKey } from '../package/index.js';
import { baseVmId, encodeVmState } from '../vm-state/index.js';
import { prepareBaseMemory, type BaseMemory } from './base-memory.js';
import { readCustomizedMemory } from './customized-memory.js';
import { DiskSizeMismatchError } from './errors.js';

/** The base an overlay is made against: its disk and memory snapshot files (a registered base is a {@link BaseVm}). */
export interface OverlayBase {
  /** The raw base disk. */
  disk: string;
  /** The base memory snapshot (libvirt save image or bare QEVM stream). */
  memory: string;
  /** The Base VM ID (SHA-256 hex of the disk); computed, streaming, when absent. */
  id?: string;
  /** Where the base memory's page file and hash list are cached; default: next to the snapshot. */
  memoryCache?: string;
  /** What a registered base VM already keeps: its disk hash list and memory as flat pages, used as they are. */
  /** @internal */
  prepared?: { diskHashes: string; memory: BaseMemory };
}

/** The customized VM an overlay captures: its disk and memory snapshot files. */
export interface CustomizedVm {
  disk: string;
  /** qcow2: an overlay whose backing file is the base disk; raw: a full copy. */
  diskFormat: 'qcow2' | 'raw';
  memory: string;
}

/** Options of createOverlay: codec, delta algorithm, blob size, signing key, progress. */
export interface CreateOverlayOptions {
  /** Blob codec; default xz at its default preset. */
  codec?: { codec: BlobCodec; level?: number };
  delta?: DeltaAlgorithm;
  maxBlobBytes?: number;
  /** File mode of the package; default 0600 (it carries guest memory pages and disk chunks). */
  mode?: number;
  /** Sign the overlay with this key (readSigningKey); `synthesis --trust` then accepts it. */
  signingKey?: OverlaySigningKey;
  /** @internal A shared pool of codec workers; default: one for this call. */
  pool?: CodecPool;
  /** Phases base-id, base-disk-hashes, base-memory, customized-memory, encode (a blob event per blob), finish. */
  onProgress?: ProgressListener;
}

/** What createOverlay makes a package of, and where it writes it. */
export interface CreateOverlayInput {
  base: OverlayBase;
  customized: CustomizedVm;
  /** Path of the overlay package; written as the new file `<output>.partial` and linked to `output` (never replaced) when complete. */
  output: string;
  options?: CreateOverlayOptions;
}

/** The package createOverlay wrote: its path, meta, size and what the items were encoded as. */
export interface CreateOverlayResult {
  path: string;
  meta: OverlayMeta;
  /** Bytes of the package file. */
  size: number;
  stats: EncoderStats;
}

/**
 * Makes the overlay package that turns the base VM into the customized one: the VM state record
 * (first blob), then every memory page and disk chunk that differs from the base as the cheapest
 * item (dedup, delta, raw), cut into blobs compressed on worker threads. Streams throughout; the
 * base disk's hash list is built in a scratch directory next to `output` and removed at the end.
 *
 * @example
 * await createOverlay({
 *   base: { disk: 'base.raw', memory: 'base.mem' },
 *   customized: { disk: 'custom.qcow2', diskFormat: 'qcow2', memory: 'custom.mem' },
 *   output: 'custom.overlay',
 *   options: { onProgress: (event) => console.log(event) },
 * });
 */
export async function createOverlay(input: CreateOverlayInput): Promise<CreateOverlayResult> {
  const { base, customized, output } = input;
  const options = input.options ?? {};
  const emit = options.onProgress ?? (() => undefined);
  const phases = phaseSequence(emit);
  const pool = options.pool ?? new CodecPool();
  const scratch = await makeScratchDir(dirname(output), '.overlay-');
  try {
    const baseBytes = (await stat(base.disk)).size;
    const customizedBytes = (await imageInfo(customized.disk, customized.diskFormat)).virtualSize;
    if (customizedBytes !== baseBytes) throw new DiskSizeMismatchError(baseBytes, customizedBytes);
    phases.start('base-id');
    const id = base.id ?? (await baseVmId(base.disk));
    phases.start('base-disk-hashes');
    const diskHashes = base.prepared?.diskHashes ?? join(scratch, 'base-disk.hashes');
    if (!base.prepared) await writeHashList(base.disk, diskHashes);
    phases.start('base-memory');
    const baseMemory = base.prepared?.memory ?? (await prepareBaseMemory(base.memory, base.memoryCache ?? dirname(base.memory)));
    phases.start('customized-memory');
    const memory = await readCustomizedMemory(customized.memory);
    baseMemory.layout.assertSame(memory.layout.blocks);

    const choice = resolveCodec(options.codec ?? { codec: 'xz' });
    const opened = await openItemEncoder({ disk: { image: base.disk, hashes: diskHashes }, memory: { image: baseMemory.pages, hashes: baseMemory.hashes } }, { delta: options.delta });
    const writer = await createOverlayPackage(output, { baseVmId: id, diskSize: baseBytes, memorySize: memory.layout.bytes, createdBy: `cloudlet-tasks ${packageVersion()}`, mode: options.mode, ...(options.signingKey ? { signingKey: options.signingKey } : {}) }).catch(async (error: unknown) => {
      await opened.close();
      throw error;
    });
    try {
      const state = encodeVmState(memory.state);
      const stateData = choice.codec === 'none' ? state : await pool.compress(state, choice);
      await writer.addBlob(stateData, { codec: choice.codec, uncompressedSize: state.length });
      phases.start('encode');
      const zeroed: ChunkRange[] = [];
      const chunks = async function* (): AsyncGenerator<OverlayChunk> {
        yield* memory.chunks();
        for await (const change of diskChanges({ format: customized.diskFormat, image: customized.disk, base: base.disk })) {
          if (change.kind === 'zeroed') zeroed.push({ first: change.first, count: change.count });
          else yield { kind: 'disk', index: change.index, data: change.data };
        }
      };
      const blobOptions: ItemBlobOptions = { codec: choice, pool, maxBlobBytes: options.maxBlobBytes, splitAtDisk: true };
      for await (const blob of compressItemBlobs(opened.encoder.items(chunks()), blobOptions)) {
        const written = await writer.addBlob(blob.data, blob);
        emit({ kind: 'blob', name: written.name, items: blob.items, size: written.size, uncompressedSize: blob.uncompressedSize });
      }
      phases.start('finish');
      const meta = await writer.finish(zeroed);
      phases.end();
      return { path: output, meta, size: (await stat(output)).size, stats: opened.encoder.stats };
    } catch (error) {
      await writer.abort();
      throw error;
    } finally {
      await opened.close();
    }
  } finally {
    if (options.pool === undefined) await pool.close();
    await rm(scratch, { recursive: true, force: true });
  }
}
