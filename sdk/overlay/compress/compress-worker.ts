/**
 * A compression worker thread: compresses one blob per message with the named codec, on this
 * thread (codecs compress synchronously here, leaving libuv's pool to file I/O). On `close` it
 * finishes the blob at hand and lets the thread end by itself: a terminate() that lands while
 * lzma-native calls back into JavaScript aborts the whole process ("terminate called after
 * throwing an instance of 'Napi::Error'", seen once in the suite).
 */
import { parentPort } from 'node:worker_threads';
import type { BlobCodec } from '../package/index.js';
import { codecFor } from './codecs.js';
import { exactCopy } from './exact-copy.js';

export interface CompressRequest {
  type: 'compress';
  id: number;
  data: Uint8Array;
  codec: BlobCodec;
  level: number;
}

export type WorkerMessage = CompressRequest | { type: 'close' };

export type CompressReply = { id: number; data: Uint8Array } | { id: number; error: string };

let current: Promise<void> = Promise.resolve();

parentPort?.on('message', (message: WorkerMessage) => {
  current = current.then(() => (message.type === 'close' ? parentPort!.close() : compress(message)));
});

async function compress(request: CompressRequest): Promise<void> {
  const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.length);
  try {
    const compressed = exactCopy(await codecFor(request.codec).compress(data, request.level));
    parentPort!.postMessage({ id: request.id, data: compressed } satisfies CompressReply, [compressed.buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: error instanceof Error ? error.message : String(error) } satisfies CompressReply);
  }
}
