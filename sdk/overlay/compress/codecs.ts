import { xzCompress, xzDecompress } from '../../../native/lzma.js';
import { ZSTD_MAX_LEVEL, zstdCompress, zstdDecompress } from '../../../native/zstd.js';
import type { BlobCodec } from '../package/index.js';
import { CodecLevelError } from './errors.js';

/** A codec and the level blobs are compressed at. */
export interface CodecChoice {
  codec: BlobCodec;
  level: number;
}

/**
 * One blob codec. `compress` runs where it is called (a worker thread in CodecPool) and must not
 * hand work to libuv's pool; `decompress` streams and leaves bounding the output to its caller.
 */
export interface Codec {
  readonly name: BlobCodec;
  readonly levels: { min: number; max: number; default: number };
  compress(data: Buffer, level: number): Promise<Buffer>;
  decompress(source: AsyncIterable<Uint8Array>): AsyncIterable<Buffer>;
}

/**
 * xz dictionaries up to preset 9 (64 MiB) decode within this; a blob asking for more is refused
 * before the decoder allocates it.
 */
export const XZ_DECODER_MEMLIMIT = 96 << 20;

const xz: Codec = {
  name: 'xz',
  // Default from measurements on this 2-core host (8 MiB blobs of real guest pages / library code):
  // preset 1 → ratio .450/.321 at 3.3/5.4 MB/s, preset 3 → .450/.257 at 3.0/3.7 MB/s,
  // preset 6 → .434/.240 at 1.7/1.8 MB/s. Presets above 6 only grow the dictionary past the blob.
  levels: { min: 0, max: 9, default: 6 },
  compress: (data, level) => xzCompress(data, { preset: level, synchronous: true }),
  decompress: (source) => xzDecompress(source, { memlimit: XZ_DECODER_MEMLIMIT }),
};

/** zstd windows up to 2^27 (128 MiB) decode; levels up to 19 stay within 8 MiB windows. */
export const ZSTD_WINDOW_LOG_MAX = 27;

// For fast links: level 3 compresses ~50× faster than xz -6 here for a somewhat larger result.
const zstd: Codec = {
  name: 'zstd',
  levels: { min: 1, max: ZSTD_MAX_LEVEL, default: 3 },
  compress: async (data, level) => zstdCompress(data, level),
  decompress: (source) => zstdDecompress(source, { windowLogMax: ZSTD_WINDOW_LOG_MAX }),
};

const none: Codec = {
  name: 'none',
  levels: { min: 0, max: 0, default: 0 },
  compress: async (data) => data,
  decompress: (source) => (async function* () {
    for await (const piece of source) yield Buffer.from(piece.buffer, piece.byteOffset, piece.length);
  })(),
};

// A full record: a codec name added to the meta format without an implementation fails to compile.
const CODECS: Record<BlobCodec, Codec> = { xz, zstd, none };

/**
 * The codec for a name overlay-meta may carry (the meta reader refuses any other name).
 *
 * @example const codec = codecFor('xz'); const bytes = await codec.compress(blob, 6);
 */
export function codecFor(name: BlobCodec): Codec {
  return CODECS[name];
}

/**
 * Checks a choice and fills in the default level.
 *
 * @example resolveCodec({ codec: 'xz' }) // → { codec: 'xz', level: 6 }
 */
export function resolveCodec(choice: { codec: BlobCodec; level?: number }): CodecChoice {
  const codec = codecFor(choice.codec);
  const level = choice.level ?? codec.levels.default;
  if (!Number.isInteger(level) || level < codec.levels.min || level > codec.levels.max) {
    throw new CodecLevelError(choice.codec, level, codec.levels.min, codec.levels.max);
  }
  return { codec: choice.codec, level };
}
