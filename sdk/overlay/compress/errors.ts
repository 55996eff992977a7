/** Typed errors of blob compression and decompression; tests assert on class and fields, never on text. */
import type { BlobCodec } from '../package/index.js';
import { CloudletError } from '../../errors/cloudlet-error.js';

export class BlobCodecError extends CloudletError {
  static override readonly code: string = 'blob-codec';
}

export class CodecLevelError extends BlobCodecError {
  static override readonly code: string = 'blob-codec-level';
  constructor(readonly codec: BlobCodec, readonly level: number, readonly min: number, readonly max: number) {
    super(`${codec} level ${level} is outside ${min}…${max}`);
  }
}

/**
 * A blob decompresses to more than its meta declares (a decompression bomb, or a meta that lies):
 * decompression stops at the first byte past the declared size.
 */
export class BlobOverrunError extends BlobCodecError {
  static override readonly code: string = 'blob-overrun';
  constructor(readonly blob: string, readonly declared: number) {
    super(`blob ${blob} decompresses to more than the ${declared} bytes its meta declares; refused`);
  }
}

/** A blob decompresses to fewer bytes than its meta declares. */
export class BlobUnderrunError extends BlobCodecError {
  static override readonly code: string = 'blob-underrun';
  constructor(readonly blob: string, readonly declared: number, readonly actual: number) {
    super(`blob ${blob} decompresses to ${actual} bytes, its meta declares ${declared}`);
  }
}

/** A declared uncompressed size above what this reader accepts for one blob. */
export class BlobSizeLimitError extends BlobCodecError {
  static override readonly code: string = 'blob-size-limit';
  constructor(readonly blob: string, readonly declared: number, readonly limit: number) {
    super(`blob ${blob} declares ${declared} uncompressed bytes; at most ${limit} are accepted`);
  }
}

/** The compressed data is corrupt or cannot be decoded (xz errors, memory limit). */
export class BlobDecodeError extends BlobCodecError {
  static override readonly code: string = 'blob-decode';
  constructor(readonly blob: string, readonly codec: BlobCodec, readonly reason: string, options?: ErrorOptions) {
    super(`blob ${blob} (${codec}) cannot be decompressed: ${reason}`, options);
  }
}

/** A codec worker failed or exited. */
export class CodecWorkerError extends BlobCodecError {
  static override readonly code: string = 'blob-codec-worker';
  constructor(readonly reason: string, options?: ErrorOptions) {
    super(`codec worker failed: ${reason}`, options);
  }
}
