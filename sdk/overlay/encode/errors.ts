/** Typed errors of overlay encoding; tests assert on class and fields, never on text. */
import type { ItemKind } from '../items/index.js';
import { CloudletError } from '../../errors/cloudlet-error.js';

/** A chunk handed to the encoder is not 4096 bytes. */
export class ChunkLengthError extends CloudletError {
  static override readonly code: string = 'overlay-encode-chunk-length';
  constructor(readonly kind: ItemKind, readonly index: number, readonly length: number) {
    super(`${kind} chunk ${index} has ${length} bytes; chunks are 4096`);
  }
}

/** A hash list that does not describe its image (another file, or the image changed size). */
export class BaseHashListError extends CloudletError {
  static override readonly code: string = 'overlay-encode-base-hash-list';
  constructor(readonly hashes: string, readonly image: string, readonly listed: number, readonly actual: number) {
    super(`${hashes} lists ${listed} chunks but ${image} has ${actual}; rebuild the hash list`);
  }
}
