import { CHUNK_SIZE } from './chunk.js';
import { DiskImageError } from './errors.js';

/**
 * Where the customized content of a run of guest bytes comes from:
 * `image` — bytes in the customized image file at `fileOffset` (a qcow2 host cluster, or the raw file);
 * `base`  — unchanged, the base disk at the same offset (`fileOffset` = `start`);
 * `zero`  — reads as zeros without data (qcow2 zero clusters, discards, holes over base data).
 */
export interface Piece {
  start: number;
  length: number;
  source: 'image' | 'base' | 'zero';
  fileOffset: number;
}

/**
 * A run of chunks that may differ from the base. `zeroed`: every chunk reads as zeros and holds no data.
 * `candidate`: the chunks hold data; `pieces` cover exactly their bytes, in order, and say where to read
 * them; chunks that turn out equal to the base are dropped by the reader. Chunks wholly from the base
 * are never part of a span.
 */
export type ChunkSpan =
  | { kind: 'zeroed'; first: number; count: number }
  | { kind: 'candidate'; first: number; count: number; pieces: Piece[] };

/**
 * Folds pieces (any granularity, contiguous from 0) into chunk spans. A chunk covered by a single
 * piece takes that piece's kind; a chunk that several pieces share (sub-cluster or 512-byte
 * granularity) is a zeroed span if all are zero, skipped if all are base, a candidate otherwise.
 * Adjacent zeroed spans are merged. Memory: one pending span and the pieces of one chunk.
 *
 * @example for await (const span of chunkSpans(pieces)) if (span.kind === 'zeroed') …
 */
export async function* chunkSpans(pieces: AsyncIterable<Piece>): AsyncGenerator<ChunkSpan> {
  let shared: Piece[] = [];
  let zeroed: ChunkSpan | undefined;
  const emit = function* (span: ChunkSpan | undefined): Generator<ChunkSpan> {
    if (span?.kind === 'zeroed' && zeroed !== undefined && zeroed.first + zeroed.count === span.first) {
      zeroed.count += span.count;
      return;
    }
    if (zeroed !== undefined) yield zeroed;
    zeroed = undefined;
    if (span?.kind === 'zeroed') zeroed = { ...span };
    else if (span !== undefined) yield span;
  };

  for await (const piece of pieces) {
    let at = piece.start;
    const end = piece.start + piece.length;
    if (shared.length > 0) {
      const chunkEnd = (Math.floor(at / CHUNK_SIZE) + 1) * CHUNK_SIZE;
      const upto = Math.min(end, chunkEnd);
      shared.push(slice(piece, at, upto));
      at = upto;
      if (upto === chunkEnd) {
        yield* emit(spanOfShared(shared));
        shared = [];
      }
    }
    const wholeEnd = Math.floor(end / CHUNK_SIZE) * CHUNK_SIZE;
    if (wholeEnd > at) {
      yield* emit(spanOf(slice(piece, at, wholeEnd)));
      at = wholeEnd;
    }
    if (end > at) shared.push(slice(piece, at, end));
  }
  if (shared.length > 0) throw new DiskImageError(`pieces end inside chunk ${Math.floor(shared[0]!.start / CHUNK_SIZE)}`);
  yield* emit(undefined);
}

function spanOf(piece: Piece): ChunkSpan | undefined {
  const first = piece.start / CHUNK_SIZE;
  const count = piece.length / CHUNK_SIZE;
  if (piece.source === 'base') return undefined;
  if (piece.source === 'zero') return { kind: 'zeroed', first, count };
  return { kind: 'candidate', first, count, pieces: [piece] };
}

function spanOfShared(pieces: Piece[]): ChunkSpan | undefined {
  const first = Math.floor(pieces[0]!.start / CHUNK_SIZE);
  if (pieces.every((p) => p.source === 'base')) return undefined;
  if (pieces.every((p) => p.source === 'zero')) return { kind: 'zeroed', first, count: 1 };
  return { kind: 'candidate', first, count: 1, pieces };
}

function slice(piece: Piece, from: number, to: number): Piece {
  return { start: from, length: to - from, source: piece.source, fileOffset: piece.fileOffset + (from - piece.start) };
}
