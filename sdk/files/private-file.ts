/**
 * Every file the SDK writes is created here: exclusively (O_CREAT|O_EXCL), never through a symlink
 * (O_NOFOLLOW; a planted link at a `.partial` path is refused, not followed), and with the least
 * access, set on the open file so the umask cannot widen it. Guest data (disks, memory images and
 * pages, overlays, console logs) is 0600: QEMU needs no more, since libvirt (dynamic_ownership,
 * the default) chowns a domain's disks and their backing files to the user QEMU runs as while it
 * runs and back afterwards, libvirtd reads and writes save images itself, and virtlogd (root)
 * appends the console log.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { FileInTheWayError } from './errors.js';

/** Owner read and write, nothing for group or others. */
export const PRIVATE_MODE = 0o600;

export interface PrivateFileOptions {
  /** Default PRIVATE_MODE. */
  mode?: number;
  /** Open for reading too (default: write only). */
  read?: boolean;
}

/**
 * Creates the new file `path` and opens it; FileInTheWayError when anything (a file, a symlink)
 * is already there.
 *
 * @example const file = await createPrivateFile('/out/overlay.zip.partial'); await file.write(bytes); await file.close();
 */
export async function createPrivateFile(path: string, options: PrivateFileOptions = {}): Promise<FileHandle> {
  const access = options.read ? constants.O_RDWR : constants.O_WRONLY;
  const mode = options.mode ?? PRIVATE_MODE;
  const file = await open(path, constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW | access, mode).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' || error.code === 'ELOOP' ? new FileInTheWayError(path, { cause: error }) : error;
  });
  try {
    await file.chmod(mode);
  } catch (error) {
    await file.close();
    throw error;
  }
  return file;
}

/**
 * Creates the new file `path` holding `data` (empty: a file another program fills, such as cp,
 * qemu-img or virtlogd, which then keeps its mode).
 *
 * @example await writePrivateFile(join(dir, 'console.log'), '');
 */
export async function writePrivateFile(path: string, data: string | Uint8Array, options: PrivateFileOptions = {}): Promise<void> {
  const file = await createPrivateFile(path, options);
  try {
    await file.writeFile(data);
  } finally {
    await file.close();
  }
}
