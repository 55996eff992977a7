// The operator-side half of Connection.putRange, shared by both transports: local bytes
// [start, end) read, rate-limited and counted on their way into the transport's writable.
import { createReadStream } from 'node:fs';
import { Readable, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PutRangeOptions } from '../connection/connection.js';
import { RateLimit } from '../../sdk/files/rate-limit.js';

/** Streams `localPath`'s bytes [start, end) into `sink`; resolves once the sink has taken them all. */
export async function pipeRange(localPath: string, options: PutRangeOptions, sink: Writable): Promise<void> {
  const { start, end, onBytes, bytesPerSecond, signal } = options;
  const source = end > start ? createReadStream(localPath, { start, end: end - 1, highWaterMark: 256 << 10 }) : Readable.from([]);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes?.(chunk.length);
      done(null, chunk);
    },
  });
  const limit = bytesPerSecond === undefined ? [] : [new RateLimit(bytesPerSecond)];
  await pipeline([source, ...limit, count, sink], signal ? { signal } : {});
}
