/** Typed errors of overlay deduplication; tests assert on class and fields, never on text. */
import { CloudletError } from '../../errors/cloudlet-error.js';

export class DedupError extends CloudletError {
  static override readonly code: string = 'dedup';
}

/** A base larger than the compact index addresses (2^32 − 1 chunks, 16 TiB). */
export class BaseIndexLimitError extends DedupError {
  static override readonly code: string = 'dedup-base-index-limit';
  constructor(readonly index: number, readonly limit: number) {
    super(`base chunk ${index} is past the ${limit} chunks a base index holds`);
  }
}

/** The two passes over a base's digests saw different numbers of non-zero chunks. */
export class BaseSourceChangedError extends DedupError {
  static override readonly code: string = 'dedup-base-source-changed';
  constructor(readonly counted: number, readonly seen: number) {
    super(`base digests changed while indexing: ${counted} non-zero chunks counted, then ${seen} seen`);
  }
}
