import { XzError } from '../../../native/lzma.js';
import type { BlobCodec } from '../package/index.js';
import { codecFor } from './codecs.js';
import { BlobDecodeError, BlobOverrunError, BlobSizeLimitError, BlobUnderrunError } from './errors.js';

/** Largest uncompressed blob accepted by default: 8× the default blob size, far below any memory concern. */
export const MAX_BLOB_UNCOMPRESSED = 64 << 20;

export interface DecompressBlobOptions {
  /** For errors: the blob's name in the package. */
  name: string;
  codec: BlobCodec;
  /** What overlay-meta declares; the output must be exactly this long. */
  uncompressedSize: number;
  /** Refuse declared sizes above this before decoding anything; default MAX_BLOB_UNCOMPRESSED. */
  limit?: number;
}

/**
 * Streams a blob's decompressed bytes, never past the size its meta declares: the first piece that
 * would go beyond throws BlobOverrunError and tears the decoder down. Measured with a 78 KB xz of
 * 512 MiB of zeros declared as 1 MiB: refused after 0.18 s with RSS up 51 MiB (native/lzma.ts feeds
 * the decoder in 4 KiB slices; fed whole, the same bomb took 3 s and 1 GiB). Ending short throws
 * BlobUnderrunError, corrupt data BlobDecodeError; errors of `source` (e.g. a checksum mismatch)
 * pass through unchanged.
 *
 * @example for await (const piece of decompressBlob(pkg.readBlob(blob.name), blob)) parse(piece);
 */
export async function* decompressBlob(source: AsyncIterable<Uint8Array>, options: DecompressBlobOptions): AsyncGenerator<Buffer> {
  const limit = options.limit ?? MAX_BLOB_UNCOMPRESSED;
  if (options.uncompressedSize > limit) throw new BlobSizeLimitError(options.name, options.uncompressedSize, limit);
  const codec = codecFor(options.codec);
  let total = 0;
  try {
    for await (const piece of codec.decompress(source)) {
      total += piece.length;
      if (total > options.uncompressedSize) throw new BlobOverrunError(options.name, options.uncompressedSize);
      yield piece;
    }
  } catch (error) {
    if (error instanceof XzError) throw new BlobDecodeError(options.name, options.codec, error.reason, { cause: error });
    throw error;
  }
  if (total < options.uncompressedSize) throw new BlobUnderrunError(options.name, options.uncompressedSize, total);
}
