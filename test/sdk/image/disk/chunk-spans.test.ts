import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { chunkSpans, type ChunkSpan, type Piece } from '../../../../sdk/image/disk/chunk-spans.js';
import { DiskImageError } from '../../../../sdk/image/disk/errors.js';

/** Pieces from [length, source, fileOffset?] triples laid end to end from offset 0. */
function pieces(...specs: [number, Piece['source'], number?][]): Piece[] {
  let start = 0;
  return specs.map(([length, source, fileOffset]) => {
    const piece = { start, length, source, fileOffset: fileOffset ?? start };
    start += length;
    return piece;
  });
}

async function spans(input: Piece[]): Promise<ChunkSpan[]> {
  const out: ChunkSpan[] = [];
  for await (const span of chunkSpans((async function* () { yield* input; })())) out.push(span);
  return out;
}

describe('chunk spans', () => {
  it('gives whole-chunk pieces their own kind, skips base chunks and merges neighbouring zeroed runs', async () => {
    assert.deepEqual(await spans(pieces([8192, 'image', 1 << 20], [8192, 'base'], [8192, 'zero'], [8192, 'zero'], [4096, 'image', 0])), [
      { kind: 'candidate', first: 0, count: 2, pieces: [{ start: 0, length: 8192, source: 'image', fileOffset: 1 << 20 }] },
      { kind: 'zeroed', first: 4, count: 4 },
      { kind: 'candidate', first: 8, count: 1, pieces: [{ start: 32768, length: 4096, source: 'image', fileOffset: 0 }] },
    ]);
  });

  it('classifies a chunk shared by several pieces by all of them', async () => {
    const out = await spans(pieces(
      [2048, 'base'], [2048, 'image', 90_112], // chunk 0: part base, part image → candidate
      [2048, 'zero'], [2048, 'zero'], // chunk 1: all zero → zeroed
      [1024, 'zero'], [3072, 'zero'], // chunk 2: zeroed, merged with chunk 1
      [512, 'base'], [3584, 'base'], // chunk 3: all base → skipped
    ));
    assert.deepEqual(out, [
      { kind: 'candidate', first: 0, count: 1, pieces: [
        { start: 0, length: 2048, source: 'base', fileOffset: 0 },
        { start: 2048, length: 2048, source: 'image', fileOffset: 90_112 },
      ] },
      { kind: 'zeroed', first: 1, count: 2 },
    ]);
  });

  it('splits a piece that starts and ends inside chunks, shifting its file offset', async () => {
    const out = await spans(pieces([1024, 'base'], [3 * 4096, 'image', 100_000], [3072, 'base']));
    assert.deepEqual(out, [
      { kind: 'candidate', first: 0, count: 1, pieces: [
        { start: 0, length: 1024, source: 'base', fileOffset: 0 },
        { start: 1024, length: 3072, source: 'image', fileOffset: 100_000 },
      ] },
      { kind: 'candidate', first: 1, count: 2, pieces: [{ start: 4096, length: 8192, source: 'image', fileOffset: 103_072 }] },
      { kind: 'candidate', first: 3, count: 1, pieces: [
        { start: 12_288, length: 1024, source: 'image', fileOffset: 111_264 },
        { start: 13_312, length: 3072, source: 'base', fileOffset: 13_312 },
      ] },
    ]);
  });

  it('refuses pieces that end inside a chunk', async () => {
    await assert.rejects(spans(pieces([4096, 'image'], [100, 'zero'])), DiskImageError);
  });
});
