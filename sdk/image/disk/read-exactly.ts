import type { FileHandle } from 'node:fs/promises';
import { ShortReadError } from './errors.js';

/**
 * Fills `into[at, at+length)` from `position` of the file, looping over short reads;
 * the file ending first is a ShortReadError (truncated, or changed while being read).
 */
export async function readExactly(path: string, file: FileHandle, into: Buffer, at: number, length: number, position: number): Promise<void> {
  let done = 0;
  while (done < length) {
    const { bytesRead } = await file.read(into, at + done, length - done, position + done);
    if (bytesRead === 0) throw new ShortReadError(path, position, length, done);
    done += bytesRead;
  }
}
