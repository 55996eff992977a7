/**
 * Writes an archive member to a file while hashing it, leaving all-zero 1 MiB blocks as holes: a
 * sparse base disk comes out of the zip as sparse as it went in.
 */
import { createHash } from 'node:crypto';
import { createPrivateFile } from '../files/index.js';
import type { Readable } from 'node:stream';

export interface ExtractedMember {
  bytes: number;
  /** SHA-256 (hex) of the bytes. */
  sha256: string;
}

const BLOCK = 1 << 20;
const ZEROS = Buffer.alloc(BLOCK);

/** @example const { bytes, sha256 } = await extractMember(await archive.stream('disk'), '/staging/disk.raw'); */
export async function extractMember(input: Readable, path: string, signal?: AbortSignal): Promise<ExtractedMember> {
  const file = await createPrivateFile(path);
  const hash = createHash('sha256');
  const block = Buffer.allocUnsafe(BLOCK);
  let filled = 0;
  let position = 0;
  const flush = async () => {
    if (!block.subarray(0, filled).equals(ZEROS.subarray(0, filled))) {
      for (let done = 0; done < filled; ) done += (await file.write(block, done, filled - done, position + done)).bytesWritten;
    }
    position += filled;
    filled = 0;
  };
  try {
    for await (const chunk of input) {
      signal?.throwIfAborted();
      const bytes = chunk as Buffer;
      hash.update(bytes);
      for (let at = 0; at < bytes.length; ) {
        const take = Math.min(BLOCK - filled, bytes.length - at);
        bytes.copy(block, filled, at, at + take);
        filled += take;
        at += take;
        if (filled === BLOCK) await flush();
      }
    }
    await flush();
    await file.truncate(position);
    await file.sync();
    return { bytes: position, sha256: hash.digest('hex') };
  } catch (error) {
    input.destroy();
    throw error;
  } finally {
    await file.close();
  }
}
