import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import { mapExtents } from '../../image/disk/index.js';

/** Bytes hashed per read: 4 MiB. */
const PIECE = 4 << 20;
const ZEROS = Buffer.alloc(PIECE);

/**
 * The Base VM ID: SHA-256 hex of the base disk's bytes, streaming. Holes (from `qemu-img map`) are
 * hashed as zeros without being read, so a sparse 8 GiB base costs only its hashing time.
 *
 * @example const id = await baseVmId('/vm/base.raw'); // "9f86d0…"
 */
export async function baseVmId(disk: string): Promise<string> {
  const { size } = await stat(disk);
  const sha = createHash('sha256');
  const file = await open(disk, 'r');
  try {
    const buffer = Buffer.allocUnsafe(PIECE);
    for await (const extent of mapExtents(disk, 'raw', size)) {
      for (let at = extent.start, end = extent.start + extent.length; at < end; ) {
        const length = Math.min(PIECE, end - at);
        if (extent.zero) {
          sha.update(ZEROS.subarray(0, length));
          at += length;
          continue;
        }
        const { bytesRead } = await file.read(buffer, 0, length, at);
        if (bytesRead === 0) throw new RangeError(`${disk} ended at byte ${at} while hashing ${size} bytes`);
        sha.update(buffer.subarray(0, bytesRead));
        at += bytesRead;
      }
    }
  } finally {
    await file.close();
  }
  return sha.digest('hex');
}
