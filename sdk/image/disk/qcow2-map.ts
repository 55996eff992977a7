import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { chunkCount } from './chunk.js';
import { chunkSpans, type ChunkSpan, type Piece } from './chunk-spans.js';
import { BackingMismatchError, MapFormatError, SizeMismatchError, UnsupportedImageError } from './errors.js';
import { imageInfo, mapExtents } from './qemu-img.js';

/**
 * Chunk spans of a qcow2 overlay on a raw base, from its allocation map alone (no scan of the image).
 *
 * `qemu-img map` extents read as:
 * | depth | zero  | data  | meaning                                            | piece          |
 * |-------|-------|-------|----------------------------------------------------|----------------|
 * | ≥ 1   | any   | any   | not allocated in the overlay: base content         | base           |
 * | 0     | true  | any   | zero cluster: guest write-zeroes or discard (TRIM) | zero           |
 * | 0     | false | true  | data cluster at host `offset` in the qcow2 file    | image          |
 * A guest discard and a guest write-zeroes both leave a qcow2 zero cluster (the overlay has a backing
 * file, so a discarded cluster must not fall through to the base) and the map cannot tell them apart.
 * So both are reported as `zeroed` chunks: never part of the modified data, and synthesis must zero
 * them to reproduce the image exactly (skipping them is only safe for true discards). A discard smaller
 * than a cluster (or sub-cluster) changes nothing in qcow2, and the chunk keeps its data.
 *
 * Allocation is per 64 KiB cluster (per sub-cluster with extended_l2), so data extents are candidates:
 * the chunk reader compares each 4 KiB chunk in them with the base and drops equal ones.
 *
 * @example for await (const span of qcow2ChunkSpans('/vm/custom.qcow2', '/vm/base.raw')) …
 */
export async function* qcow2ChunkSpans(overlay: string, base: string): AsyncGenerator<ChunkSpan> {
  const size = await checkOverlay(resolve(overlay), resolve(base));
  yield* chunkSpans(qcow2Pieces(resolve(overlay), size));
}

/**
 * Checks that the overlay's clusters can be read straight from its file and that it sits on `base`;
 * returns its size. Refused: encryption, external data files, backing formats other than raw, another
 * backing file, size changes, sizes that are not whole chunks.
 */
async function checkOverlay(overlay: string, base: string): Promise<number> {
  const info = await imageInfo(overlay, 'qcow2');
  if (info.encrypted) throw new UnsupportedImageError(overlay, 'encrypted');
  if (info.dataFile !== undefined) throw new UnsupportedImageError(overlay, 'external-data-file');
  if (info.backingFile === undefined) throw new UnsupportedImageError(overlay, 'no-backing');
  if (info.backingFormat !== 'raw') throw new UnsupportedImageError(overlay, 'backing-not-raw');
  const [backing, expected] = await Promise.all([stat(info.backingFile), stat(base)]);
  if (backing.dev !== expected.dev || backing.ino !== expected.ino) {
    throw new BackingMismatchError(overlay, base, info.backingFile);
  }
  if (info.virtualSize !== expected.size) throw new SizeMismatchError(overlay, info.virtualSize, base, expected.size);
  chunkCount(overlay, info.virtualSize);
  return info.virtualSize;
}

async function* qcow2Pieces(overlay: string, size: number): AsyncGenerator<Piece> {
  for await (const e of mapExtents(overlay, 'qcow2', size)) {
    const at = { start: e.start, length: e.length };
    if (e.depth > 1) throw new UnsupportedImageError(overlay, 'backing-chain', e.start);
    if (e.depth === 1) yield { ...at, source: 'base', fileOffset: e.start };
    else if (e.zero) yield { ...at, source: 'zero', fileOffset: 0 };
    else if (!e.data) throw new MapFormatError(overlay, JSON.stringify(e), 'overlay extent neither data nor zero');
    else if (e.offset === undefined) throw new UnsupportedImageError(overlay, 'compressed-cluster', e.start);
    else yield { ...at, source: 'image', fileOffset: e.offset };
  }
}
