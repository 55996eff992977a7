/** Typed errors of chunk files; tests assert on class and fields, never on text. */

export class ChunkIoError extends Error {
  override name = 'ChunkIoError';
}

/** A chunk index outside the file's chunks (a caller bug: indexes are checked before they get here). */
export class ChunkIndexError extends ChunkIoError {
  override name = 'ChunkIndexError';
  constructor(readonly path: string, readonly index: number, readonly chunks: number) {
    super(`${path}: chunk ${index} is outside 0…${chunks - 1}`);
  }
}

/** The file is not a whole number of chunks, or a chunk handed to write is not 4096 bytes. */
export class ChunkSizeError extends ChunkIoError {
  override name = 'ChunkSizeError';
  constructor(readonly path: string, readonly size: number) {
    super(`${path}: ${size} bytes is not a whole number of 4096-byte chunks`);
  }
}

/** The file ended before a chunk it should hold (truncated or changed while open). */
export class ShortChunkReadError extends ChunkIoError {
  override name = 'ShortChunkReadError';
  constructor(readonly path: string, readonly index: number, readonly bytesRead: number) {
    super(`${path}: chunk ${index} holds only ${bytesRead} bytes`);
  }
}

export class ReadOnlyChunkFileError extends ChunkIoError {
  override name = 'ReadOnlyChunkFileError';
  constructor(readonly path: string) {
    super(`${path} is open read-only`);
  }
}
