/**
 * The disk handed to `cloudlet base` or found in an archive: checked to be a raw image of whole
 * 4 KiB chunks, copied keeping its holes, and identified by the SHA-256 of its bytes.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { execa } from 'execa';
import { missingTool } from '../../native/host-tool.js';
import { writePrivateFile } from '../files/index.js';
import { CHUNK_SIZE, qemuImg } from '../image/disk/index.js';
import { DiskSizeError, NotRawDiskError } from './errors.js';

export interface RawDiskFacts {
  size: number;
  /** Bytes the file occupies (less than size for a sparse image). */
  allocated: number;
}

/**
 * Refuses anything but a raw image: qemu-img probes the format (here probing is the point, and a
 * refusal is the safe outcome of any doubt), and the size must be whole chunks.
 *
 * @example const { size } = await checkRawDisk('/images/debian.raw');
 */
export async function checkRawDisk(path: string): Promise<RawDiskFacts> {
  const info = JSON.parse(await qemuImg(['info', '--output=json', path])) as { format?: unknown };
  const format = String(info.format);
  if (format !== 'raw') throw new NotRawDiskError(path, format);
  const stats = await stat(path);
  if (stats.size === 0 || stats.size % CHUNK_SIZE !== 0) throw new DiskSizeError(path, stats.size, CHUNK_SIZE);
  return { size: stats.size, allocated: stats.blocks * 512 };
}

/**
 * Copies a disk image keeping it sparse (and sharing extents where the file system can), through
 * cp, which finds holes with SEEK_DATA instead of reading gigabytes of zeros. `to` is made first,
 * new and private, so cp fills a file nobody else could open, and keeps its mode.
 */
export async function copyDisk(from: string, to: string, signal?: AbortSignal): Promise<void> {
  await writePrivateFile(to, '');
  await execa('cp', ['--sparse=always', '--reflink=auto', '--', from, to], signal ? { cancelSignal: signal } : {}).catch((error: unknown) => {
    throw missingTool(error, 'cp') ?? error;
  });
}

/**
 * The SHA-256 (hex) of a whole file, streamed in 4 MiB reads: a base disk's ID.
 *
 * @example const id = await sha256File('/base/disk.raw');
 */
export async function sha256File(path: string, signal?: AbortSignal): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20, signal })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
