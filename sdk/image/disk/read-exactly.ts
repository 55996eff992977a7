import type { FileHandle } from 'node:fs/promises';
import { ShortReadError } from './errors.js';

/**
 * Fills `into[at, at+length)` from `position` of the file, looping over short reads. The file
 * ending first (truncated, or changed while being read) is a ShortReadError, or the error `short`
 * makes from how many bytes did arrive, for a caller whose errors say more (a zip reader's, say).
 *
 * @example await readExactly(path, file, header, 0, HEADER_BYTES, 0);
 */
export async function readExactly(
  path: string,
  file: FileHandle,
  into: Buffer,
  at: number,
  length: number,
  position: number,
  short: (done: number) => Error = (done) => new ShortReadError(path, position, length, done),
): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw short(done);
    done += bytesRead;
  }
}
