// Streams bytes through a native decoder (liblzma, libzstd) in small slices. Decoders turn each
// input write into all of its output before they look at back-pressure, and both LZMA2 and zstd
// expand runs of zeros thousands of times: fed a 1 MiB piece of a bomb they would buffer
// gigabytes. 4 KiB writes bound that burst; the transform waits for its reader between writes.
import type { Duplex } from 'node:stream';
import { Readable } from 'node:stream';

const INPUT_SLICE = 4096;

async function* slices(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const piece of source) {
    for (let at = 0; at < piece.length; at += INPUT_SLICE) yield piece.subarray(at, at + INPUT_SLICE);
  }
}

/**
 * Yields the decoder's output. Errors of `source` pass through unchanged; the decoder's own go
 * through `wrap`. Stopping the iteration tears down the decoder and the input.
 */
export async function* decodeStream(decoder: Duplex, source: AsyncIterable<Uint8Array>, wrap: (error: unknown) => Error): AsyncGenerator<Buffer> {
  const input = Readable.from(slices(source), { objectMode: false });
  let inputError: unknown;
  input.on('error', (error) => {
    inputError = error;
    decoder.destroy(error);
  });
  input.pipe(decoder);
  try {
    for await (const piece of decoder as AsyncIterable<Buffer>) yield piece;
  } catch (error) {
    if (error === inputError) throw error;
    throw wrap(error);
  } finally {
    input.unpipe(decoder);
    input.destroy();
    decoder.destroy();
  }
}
