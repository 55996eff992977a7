import type { BlobMeta } from '../package/index.js';
import { MAX_BLOB_UNCOMPRESSED } from './blob-decompress.js';
import { CodecPool } from './codec-pool.js';
import { BlobSizeLimitError } from './errors.js';

export interface PrefetchSource {
  readBlob(name: string): AsyncIterable<Uint8Array>;
}

export interface PrefetchedBlob {
  blob: BlobMeta;
  /** The blob's whole decompressed content. */
  data: Buffer;
}

export interface PrefetchOptions {
  /** Blobs decompressed beyond the one handed out (default 2: both cores of a small host busy). */
  ahead?: number;
  /** Largest blob accepted, compressed or not; default MAX_BLOB_UNCOMPRESSED. */
  limit?: number;
  /** Workers to decompress on; by default a pool of this call's own. */
  pool?: CodecPool;
}

/**
 * Hands out `blobs` decompressed, in order, while the next `ahead` are being decompressed on
 * worker threads, so decoding overlaps with whoever consumes. A blob is read (and verified by the
 * source) whole, then decoded under decompressBlob's caps; memory stays under (ahead + 1) × 2 ×
 * the limit. An error of any blob is thrown when its turn comes; stopping early stops the rest.
 *
 * @example for await (const { blob, data } of prefetchBlobs(pkg, pkg.meta.blobs)) apply(blob, data);
 */
export async function* prefetchBlobs(source: PrefetchSource, blobs: readonly BlobMeta[], options: PrefetchOptions = {}): AsyncGenerator<PrefetchedBlob> {
  const ahead = options.ahead ?? 2;
  const limit = options.limit ?? MAX_BLOB_UNCOMPRESSED;
  const pool = options.pool ?? new CodecPool();
  let stopped = false;
  const decompress = async (blob: BlobMeta): Promise<Buffer> => {
    for (const size of [blob.uncompressedSize, blob.size]) if (size > limit) throw new BlobSizeLimitError(blob.name, size, limit);
    const pieces: Uint8Array[] = [];
    for await (const piece of source.readBlob(blob.name)) {
      if (stopped) return Buffer.alloc(0);
      pieces.push(piece);
    }
    return pool.decompress(Buffer.concat(pieces), { name: blob.name, codec: blob.codec, uncompressedSize: blob.uncompressedSize, limit });
  };
  const pending: Array<Promise<Buffer>> = [];
  let started = 0;
  try {
    for (const blob of blobs) {
      while (started < blobs.length && pending.length <= ahead) {
        const work = decompress(blobs[started++]!);
        // Awaited in turn below; until then a failure must not count as unhandled.
        work.catch(() => undefined);
        pending.push(work);
      }
      yield { blob, data: await pending.shift()! };
    }
  } finally {
    stopped = true;
    await Promise.allSettled(pending);
    if (options.pool === undefined) await pool.close();
  }
}
