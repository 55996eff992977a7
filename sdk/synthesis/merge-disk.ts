import { open, type FileHandle } from 'node:fs/promises';
import { mapExtents, type ChunkRange } from '../image/disk/index.js';
import { readExactly } from '../image/disk/read-exactly.js';
import { CHUNK_SIZE } from '../overlay/chunk-io/index.js';

/** Base bytes read per batch: 1 MiB. */
const BATCH_CHUNKS = 256;

/**
 * Fills the synthesized disk `output` (sparse; the overlay's chunks written there meanwhile or before) with the base's chunks
 * everywhere the overlay writes nothing (`written`: the claimed chunks) and did not declare zeroed. Only the base's data extents are
 * read and only non-zero chunks written, so a sparse base stays sparse and costs only its data.
 *
 * An abort stops it between batches.
 *
 * @example await mergeDisk('base.raw', 'out/disk.raw', (i) => claimed.has(i), meta.diskZeroed);
 */
export async function mergeDisk(base: string, output: string, written: (index: number) => boolean, zeroed: readonly ChunkRange[], signal?: AbortSignal): Promise<void> {
  const input = await open(base, 'r');
  const out = await open(output, 'r+').catch(async (error: unknown) => {
    await input.close();
    throw error;
  });
  try {
    const size = (await input.stat()).size;
    const isZeroed = zeroedLookup(zeroed);
    const bytes = Buffer.allocUnsafe(BATCH_CHUNKS * CHUNK_SIZE);
    const zero = Buffer.alloc(CHUNK_SIZE);
    for await (const extent of mapExtents(base, 'raw', size)) {
      if (extent.zero) continue;
      const end = extent.start + extent.length;
      // Extents from a raw file are sector-aligned; whole chunks are what the overlay addresses.
      for (let at = Math.floor(extent.start / CHUNK_SIZE) * CHUNK_SIZE; at < end; at += bytes.length) {
        signal?.throwIfAborted();
        const length = Math.min(bytes.length, Math.ceil(end / CHUNK_SIZE) * CHUNK_SIZE - at);
        await readExactly(base, input, bytes, 0, length, at, (done) => new RangeError(`base disk ended at byte ${at + done}, expected ${length - done} more`));
        let run = -1;
        const flush = async (upTo: number) => {
          if (run >= 0) await writeFully(out, bytes.subarray(run, upTo), at + run);
          run = -1;
        };
        for (let c = 0; c < length; c += CHUNK_SIZE) {
          const index = (at + c) / CHUNK_SIZE;
          const keep = !written(index) && !isZeroed(index) && !bytes.subarray(c, c + CHUNK_SIZE).equals(zero);
          if (keep && run < 0) run = c;
          if (!keep) await flush(c);
        }
        await flush(length);
      }
    }
    // No fsync: the VM is resumed from these files at once, and a crash loses the synthesis anyway
    // (its scratch directory is swept); flushing ~1 GiB to the device cost seconds for nothing.
  } finally {
    await Promise.all([input.close(), out.close()]);
  }
}

/** A membership test over sorted, disjoint runs for indexes asked in increasing order. */
function zeroedLookup(ranges: readonly ChunkRange[]): (index: number) => boolean {
  let i = 0;
  return (index) => {
    while (i < ranges.length && ranges[i]!.first + ranges[i]!.count <= index) i++;
    const range = ranges[i];
    return range !== undefined && index >= range.first;
  };
}

async function writeFully(file: FileHandle, bytes: Buffer, position: number): Promise<void> {
  for (let done = 0; done < bytes.length; ) done += (await file.write(bytes, done, bytes.length - done, position + done)).bytesWritten;
}
