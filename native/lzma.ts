/**
 * The edge to liblzma through lzma-native: xz compression of one buffer and streaming xz
 * decompression under a memory limit. lzma-native ships no types; the little of it used here is
 * typed below.
 */
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadAddon } from './addon.js';
import { decodeStream } from './decode-stream.js';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';

interface LzmaFilter {
  id: string;
  options: { preset: number };
}

interface LzmaNative {
  createStream(coder: 'streamEncoder', options: { filters: LzmaFilter[]; synchronous: boolean }): Duplex;
  createStream(coder: 'streamDecoder', options: { memlimit: number; synchronous: boolean }): Duplex;
  FILTER_LZMA2: string;
  PRESET_EXTREME: number;
}

const lzma = (): LzmaNative => loadAddon<LzmaNative>('lzma-native');

export class XzError extends CloudletError {
  static override readonly code: string = 'xz-failed';
  constructor(readonly operation: 'compress' | 'decompress', readonly reason: string, options?: ErrorOptions) {
    super(`xz ${operation} failed: ${reason}`, options);
  }
}

export interface XzCompressOptions {
  /** 0–9 as `xz -0` … `xz -9`. */
  preset: number;
  /** As `xz -e`: slower, slightly smaller. */
  extreme?: boolean;
  /**
   * Code on the calling thread instead of libuv's pool. Worker threads set it, so compression does
   * not occupy the pool that file I/O needs.
   */
  synchronous?: boolean;
}

/**
 * Compresses one buffer into a complete .xz stream (LZMA2, CRC-32 check).
 *
 * The preset goes in as LZMA2 filter options: lzma-native's easy encoder reads preset 0 as "default" (6).
 *
 * @example const xz = await xzCompress(blob, { preset: 6 });
 */
export async function xzCompress(data: Uint8Array, options: XzCompressOptions): Promise<Buffer> {
  if (!Number.isInteger(options.preset) || options.preset < 0 || options.preset > 9) {
    throw new XzError('compress', `preset ${options.preset} is not 0–9`);
  }
  const preset = options.preset | (options.extreme === true ? lzma().PRESET_EXTREME : 0);
  const encoder = lzma().createStream('streamEncoder', {
    filters: [{ id: lzma().FILTER_LZMA2, options: { preset } }],
    synchronous: options.synchronous ?? false,
  });
  const pieces: Buffer[] = [];
  try {
    await pipeline(Readable.from([data]), encoder, async (output: AsyncIterable<Buffer>) => {
      for await (const piece of output) pieces.push(piece);
    });
  } catch (error) {
    throw new XzError('compress', error instanceof Error ? error.message : String(error), { cause: error });
  }
  return Buffer.concat(pieces);
}

/**
 * Decompresses an .xz stream piece by piece. The decoder refuses streams whose dictionary would need
 * more than `memlimit` bytes; output size is the caller's to bound (stop iterating, and the decoder
 * and the input are torn down). Corrupt input throws XzError.
 *
 * @example for await (const piece of xzDecompress(readBlob(), { memlimit: 128 << 20 })) use(piece);
 */
export async function* xzDecompress(source: AsyncIterable<Uint8Array>, options: { memlimit: number }): AsyncGenerator<Buffer> {
  return yield* decodeStream(lzma().createStream('streamDecoder', { memlimit: options.memlimit, synchronous: false }), source, (error) => new XzError('decompress', error instanceof Error ? error.message : String(error), { cause: error }));
}
