/**
 * The edge to libzstd through zstd-napi (levels are honoured, unlike @mongodb-js/zstd here):
 * one-shot compression of a blob and streaming decompression under a window limit.
 */
import { loadAddon } from './addon.js';
import { decodeStream } from './decode-stream.js';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';

const zstd = (): typeof import('zstd-napi') => loadAddon<typeof import('zstd-napi')>('zstd-napi');

export class ZstdError extends CloudletError {
  static override readonly code: string = 'zstd-failed';
  constructor(readonly operation: 'compress' | 'decompress', readonly reason: string, options?: ErrorOptions) {
    super(`zstd ${operation} failed: ${reason}`, options);
  }
}

/** The largest zstd level accepted; 20–22 ("ultra") need windows beyond the decoder's limit. */
export const ZSTD_MAX_LEVEL = 19;

/**
 * Compresses one buffer into a zstd frame, on the calling thread (the compress pool runs it in a worker).
 *
 * @example const frame = zstdCompress(blob, 3);
 */
export function zstdCompress(data: Uint8Array, level: number): Buffer {
  if (!Number.isInteger(level) || level < 1 || level > ZSTD_MAX_LEVEL) throw new ZstdError('compress', `level ${level} is not 1–${ZSTD_MAX_LEVEL}`);
  try {
    return zstd().compress(data, { compressionLevel: level, checksumFlag: true });
  } catch (error) {
    throw new ZstdError('compress', error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Decompresses a zstd stream piece by piece. Frames whose window needs more than 2^windowLogMax
 * bytes are refused before the decoder allocates it; bounding the output is the caller's job.
 *
 * @example for await (const piece of zstdDecompress(readBlob(), { windowLogMax: 27 })) use(piece);
 */
export async function* zstdDecompress(source: AsyncIterable<Uint8Array>, options: { windowLogMax: number }): AsyncGenerator<Buffer> {
  return yield* decodeStream(new (zstd().DecompressStream)({ windowLogMax: options.windowLogMax }), source, (error) => new ZstdError('decompress', error instanceof Error ? error.message : String(error), { cause: error }));
}
