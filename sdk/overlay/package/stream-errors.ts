/** Errors of reading an overlay package as a stream (package-stream.ts), beside the package errors it shares with files. */
import { OverlayPackageError } from './errors.js';

/** Where the stream is not the v2 layout (zip-layout.ts): no local header where one belongs, a data descriptor, a v1 package. */
export class StreamLayoutError extends OverlayPackageError {
  static override readonly code: string = 'overlay-stream-layout';
  constructor(readonly offset: number, readonly reason: string) {
    super(`overlay stream at byte ${offset}: ${reason}`);
  }
}

/**
 * The stream's length is wrong: it ended before the package did ('truncated'), or it is shorter or
 * longer than the sender declared ('short', 'long'), or bytes follow the package's end record
 * ('trailing'), or the declared length cannot hold what the meta lists ('below-meta', `received`
 * is then that lower bound).
 */
export class StreamLengthError extends OverlayPackageError {
  static override readonly code: string = 'overlay-stream-length';
  constructor(readonly problem: 'truncated' | 'short' | 'long' | 'trailing' | 'below-meta', readonly received: number, readonly declared?: number) {
    super({
      'below-meta': `${declared} bytes were declared, but the package's meta lists ${received} bytes of members alone; refused before any blob was read`,
      truncated: `the overlay stream ended after ${received} bytes, inside the package; nothing of it was kept`,
      short: `the overlay stream ended after ${received} bytes, but ${declared} were declared`,
      long: `the overlay stream sent more than the ${declared} bytes declared`,
      trailing: `bytes follow the overlay package's end record at byte ${received}; the sender added data after the zip`,
    }[problem]);
  }
}
