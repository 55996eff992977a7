/**
 * Where writers put bytes: small writes (8-byte record headers, 4 KiB pages) are gathered into
 * 1 MiB chunks before they reach a file or a stream, and a slow consumer applies back-pressure.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import { createPrivateFile } from '../../files/index.js';
import type { Writable } from 'node:stream';

export interface ByteSink {
  /** Takes a copy of `bytes` (the caller may reuse them once this resolves). */
  write(bytes: Uint8Array): Promise<void>;
  /** Flushes what is buffered and releases the destination. */
  close(): Promise<void>;
  /** Bytes accepted so far (buffered or flushed). */
  readonly bytesWritten: number;
}

const CHUNK_SIZE = 1 << 20;

class ChunkedSink implements ByteSink {
  #chunk = Buffer.allocUnsafe(CHUNK_SIZE);
  #used = 0;
  #written = 0;

  constructor(
    private readonly flushChunk: (bytes: Buffer) => Promise<void>,
    private readonly release: () => Promise<void>,
    /** Whether the destination is done with a chunk once flushChunk resolves (files are; streams may queue it). */
    private readonly reusable: boolean,
  ) {}

  get bytesWritten(): number {
    return this.#written;
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#written += bytes.length;
    if (this.#used + bytes.length > CHUNK_SIZE) await this.#flush();
    if (bytes.length >= CHUNK_SIZE) return this.flushChunk(Buffer.from(bytes));
    this.#chunk.set(bytes, this.#used);
    this.#used += bytes.length;
  }

  async close(): Promise<void> {
    try {
      await this.#flush();
    } finally {
      await this.release();
    }
  }

  async #flush(): Promise<void> {
    if (this.#used === 0) return;
    const full = this.#chunk.subarray(0, this.#used);
    if (!this.reusable) this.#chunk = Buffer.allocUnsafe(CHUNK_SIZE);
    this.#used = 0;
    await this.flushChunk(full);
  }
}

/**
 * Writes to the new private file `path` (or, with `append`, at the end of an existing one).
 *
 * @example
 * const sink = await fileSink('/var/tmp/vm.mem');
 * await writeCanonicalStream(sink, { header, pages, deviceState });
 * await sink.close();
 */
export async function fileSink(path: string, options: { append?: boolean } = {}): Promise<ByteSink> {
  const handle: FileHandle = options.append ? await open(path, 'a') : await createPrivateFile(path);
  return new ChunkedSink(
    async (bytes) => {
      for (let done = 0; done < bytes.length; ) done += (await handle.write(bytes, done)).bytesWritten;
    },
    () => handle.close(),
    true,
  );
}

/** Writes into a Node stream (a socket, a compressor), waiting for 'drain' when it is full. */
export function writableSink(stream: Writable): ByteSink {
  return new ChunkedSink(
    async (bytes) => {
      if (!stream.write(bytes)) await once(stream, 'drain');
    },
    async () => {
      stream.end();
      await once(stream, 'finish');
    },
    false,
  );
}
