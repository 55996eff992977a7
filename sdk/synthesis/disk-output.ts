/**
 * The synthesized disk, in one of two shapes. A layer (the default): a qcow2 file whose backing
 * file is the base's raw disk, holding only the overlay's chunks and zero clusters where the
 * overlay says zeroed, so synthesis writes the overlay's data, not the base's, and many VMs from
 * one base cost only their diffs. Raw: a standalone image, the base's data merged in beside the
 * items (merge-disk.ts), for callers that need one file.
 */
import { resolve } from 'node:path';
import { Qcow2LayerWriter, type ChunkRange } from '../image/disk/index.js';
import { ChunkFile, CHUNK_SIZE, type ChunkStore } from '../overlay/chunk-io/index.js';
import { mergeDisk } from './merge-disk.js';

/** What synthesize writes the disk as: a qcow2 layer over the base's disk, or a standalone raw image. */
export type DiskOutputKind = 'layer' | 'raw';

/** File names of the synthesized disk by kind. */
export const DISK_FILE: Record<DiskOutputKind, string> = { layer: 'disk.qcow2', raw: 'disk.raw' };

export interface DiskOutput {
  /** Where the items write the overlay's chunks (and read back their self references). */
  readonly store: ChunkStore;
  /** Work that runs beside the items (the base's data merged into a raw image); awaited before finish. */
  readonly background: Promise<void>;
  /** Completes the image once every item is applied: zeroed chunks and tables for a layer, gathered writes out for raw. */
  finish(): Promise<void>;
  close(): Promise<void>;
}

export interface DiskOutputParts {
  /** The base's raw disk, open: the layer's backing file (its path recorded absolute) and raw's source. */
  base: ChunkFile;
  size: number;
  /** Chunks the items will write: raw leaves them to the items. */
  claimed: (index: number) => boolean;
  zeroed: readonly ChunkRange[];
  signal?: AbortSignal;
}

/**
 * Creates the new private file `path` of `kind` for the synthesized disk.
 *
 * @example const disk = await openDiskOutput('layer', 'scratch/disk.qcow2', { base, size, claimed, zeroed });
 */
export async function openDiskOutput(kind: DiskOutputKind, path: string, parts: DiskOutputParts): Promise<DiskOutput> {
  const { base } = parts;
  if (kind === 'layer') {
    const layer = await Qcow2LayerWriter.create(path, { size: parts.size, backing: resolve(base.path), readBacking: (first, count, into) => base.readRun(first, count, into) });
    return {
      store: layer,
      background: Promise.resolve(),
      finish: async () => {
        layer.zero(parts.zeroed);
        await layer.finish();
      },
      close: () => layer.close(),
    };
  }
  const raw = await ChunkFile.create(path, parts.size / CHUNK_SIZE);
  const background = mergeDisk(base.path, path, parts.claimed, parts.zeroed, parts.signal);
  background.catch(() => undefined);
  return {
    store: raw,
    background,
    // Written out before anyone else looks: qemu-img map (holes) and a failing flush must not wait for close().
    finish: async () => raw.flush(),
    close: () => raw.close(),
  };
}
