/**
 * A codec worker thread: compresses or decompresses one blob per message, on this thread (codecs
 * compress synchronously here, leaving libuv's pool to file I/O; decompression's stream plumbing
 * runs here too instead of on the thread that applies items). Decompression goes through
 * decompressBlob, so its size caps hold here as anywhere; its typed errors travel back as their
 * class name and fields. On `close` the worker finishes the blob at hand and lets the thread end
 * by itself: a terminate() that lands while lzma-native calls back into JavaScript aborts the
 * whole process ("terminate called after throwing an instance of 'Napi::Error'", seen once in
 * the suite).
 */
import { parentPort } from 'node:worker_threads';
import type { BlobCodec } from '../package/index.js';
import { decompressBlob } from './blob-decompress.js';
import { codecFor } from './codecs.js';
import { exactCopy } from './exact-copy.js';

export interface CompressRequest {
  type: 'compress';
  id: number;
  data: Uint8Array;
  codec: BlobCodec;
  level: number;
}

export interface DecompressRequest {
  type: 'decompress';
  id: number;
  data: Uint8Array;
  blob: { name: string; codec: BlobCodec; uncompressedSize: number; limit?: number };
}

export type WorkerMessage = CompressRequest | DecompressRequest | { type: 'close' };

/** An error as it crosses threads: its class name, message and own primitive fields. */
export interface ErrorRecord {
  name: string;
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type CodecReply = { id: number; data: Uint8Array } | { id: number; error: ErrorRecord };

let current: Promise<void> = Promise.resolve();

parentPort?.on('message', (message: WorkerMessage) => {
  current = current.then(() => (message.type === 'close' ? parentPort!.close() : work(message)));
});

async function work(request: CompressRequest | DecompressRequest): Promise<void> {
  const data = Buffer.from(request.data.buffer, request.data.byteOffset, request.data.length);
  try {
    const result = request.type === 'compress' ? exactCopy(await codecFor(request.codec).compress(data, request.level)) : await decompress(data, request.blob);
    parentPort!.postMessage({ id: request.id, data: result } satisfies CodecReply, [result.buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: errorRecord(error) } satisfies CodecReply);
  }
}

/** The whole blob in one buffer of its declared size; decompressBlob guarantees it fits exactly. */
async function decompress(data: Buffer, blob: DecompressRequest['blob']): Promise<Uint8Array<ArrayBuffer>> {
  const out = new Uint8Array(blob.uncompressedSize);
  let at = 0;
  for await (const piece of decompressBlob(once(data), blob)) {
    out.set(piece, at);
    at += piece.length;
  }
  return out;
}

async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

function errorRecord(error: unknown): ErrorRecord {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error), fields: {} };
  const fields: ErrorRecord['fields'] = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { name: error.name, message: error.message, fields };
}
