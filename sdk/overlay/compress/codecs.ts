import { xzCompress, xzDecompress } from '../../../native/lzma.js';
import type { BlobCodec } from '../package/index.js';
import { CodecLevelError, CodecUnavailableError } from './errors.js';

/** A codec and the level blobs are compressed at. */
export interface CodecChoice {
  codec: BlobCodec;
  level: number;
}

/**
 * One blob codec. `compress` runs where it is called (a worker thread in CompressPool) and must not
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

const none: Codec = {
  name: 'none',
  levels: { min: 0, max: 0, default: 0 },
  compress: async (data) => data,
  decompress: (source) => (async function* () {
    for await (const piece of source) yield Buffer.from(piece.buffer, piece.byteOffset, piece.length);
  })(),
};

const CODECS: Partial<Record<BlobCodec, Codec>> = { xz, none };

/**
 * The codec for a name overlay-meta may carry. zstd is a known name with no binding installed yet
 * (zstd-napi builds from source here): it is refused with CodecUnavailableError until native/zstd.ts
 * provides one and it is added above.
 *
 * @example const codec = codecFor('xz'); const bytes = await codec.compress(blob, 6);
 */
export function codecFor(name: BlobCodec): Codec {
  const codec = CODECS[name];
  if (codec === undefined) throw new CodecUnavailableError(name);
  return codec;
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
