/** Typed errors of chunk files; tests assert on class and fields, never on text. */
import { CloudletError } from '../../errors/cloudlet-error.js';

export class ChunkIoError extends CloudletError {
  static override readonly code: string = 'chunk-io';
}

/** A chunk index outside the file's chunks (a caller bug: indexes are checked before they get here). */
export class ChunkIndexError extends ChunkIoError {
  static override readonly code: string = 'chunk-io-index';
  constructor(readonly path: string, readonly index: number, readonly chunks: number) {
    super(`${path}: chunk ${index} is outside 0…${chunks - 1}`);
  }
}

/** The file is not a whole number of chunks, or a chunk handed to write is not 4096 bytes. */
export class ChunkSizeError extends ChunkIoError {
  static override readonly code: string = 'chunk-io-size';
  constructor(readonly path: string, readonly size: number) {
    super(`${path}: ${size} bytes is not a whole number of 4096-byte chunks`);
  }
}

/** The file ended before a chunk it should hold (truncated or changed while open). */
export class ShortChunkReadError extends ChunkIoError {
  static override readonly code: string = 'chunk-io-short-read';
  constructor(readonly path: string, readonly index: number, readonly bytesRead: number) {
    super(`${path}: chunk ${index} holds only ${bytesRead} bytes`);
  }
}

export class ReadOnlyChunkFileError extends ChunkIoError {
  static override readonly code: string = 'chunk-io-read-only';
  constructor(readonly path: string) {
    super(`${path} is open read-only`);
  }
}
