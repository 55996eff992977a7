import { stat } from 'node:fs/promises';
import { chunkCount } from './chunk.js';
import { chunkSpans, type ChunkSpan, type Piece } from './chunk-spans.js';
import { SizeMismatchError } from './errors.js';
import { mapExtents, type MapExtent } from './qemu-img.js';

/**
 * Chunk spans of a raw customized image against its raw base. Node has no SEEK_DATA/SEEK_HOLE, but
 * `qemu-img map -f raw` reports a raw file's holes with exactly those calls, so holes are skipped
 * without reading them: only the image's data is read and compared (a sparse 8 GiB image with a few
 * MB written costs a few MB of reads). On a file system without hole reporting everything is data,
 * and the comparison degrades to a full streaming read, still in fixed-size batches.
 *
 * | image  | base   | piece  | why                                                   |
 * |--------|--------|--------|-------------------------------------------------------|
 * | data   | any    | image  | may differ: the reader compares it chunk by chunk     |
 * | hole   | data   | zero   | reads as zeros where the base may not: a zeroed span  |
 * | hole   | hole   | base   | both read as zeros: unchanged                         |
 *
 * @example for await (const span of rawChunkSpans('/vm/custom.raw', '/vm/base.raw')) …
 */
export async function* rawChunkSpans(image: string, base: string): AsyncGenerator<ChunkSpan> {
  const [{ size }, { size: baseSize }] = await Promise.all([stat(image), stat(base)]);
  if (size !== baseSize) throw new SizeMismatchError(image, size, base, baseSize);
  chunkCount(image, size);
  yield* chunkSpans(coalesce(rawPieces(mapExtents(image, 'raw', size), mapExtents(base, 'raw', size))));
}

/** Walks both maps at once and yields one piece per stretch where neither map changes. */
async function* rawPieces(image: AsyncGenerator<MapExtent>, base: AsyncGenerator<MapExtent>): AsyncGenerator<Piece> {
  try {
    let i = await image.next();
    let b = await base.next();
    let at = 0;
    while (!i.done && !b.done) {
      const end = Math.min(i.value.start + i.value.length, b.value.start + b.value.length);
      const source = !i.value.zero ? 'image' : b.value.zero ? 'base' : 'zero';
      yield { start: at, length: end - at, source, fileOffset: at };
      at = end;
      if (at === i.value.start + i.value.length) i = await image.next();
      if (at === b.value.start + b.value.length) b = await base.next();
    }
  } finally {
    await Promise.all([image.return(undefined), base.return(undefined)]);
  }
}

/** Joins neighbouring pieces of one source, so a data run split by the other map's extents stays one span. */
async function* coalesce(pieces: AsyncIterable<Piece>): AsyncGenerator<Piece> {
  let pending: Piece | undefined;
  for await (const piece of pieces) {
    if (pending !== undefined && pending.source === piece.source) {
      pending.length += piece.length;
      continue;
    }
    if (pending !== undefined) yield pending;
    pending = { ...piece };
  }
  if (pending !== undefined) yield pending;
}
