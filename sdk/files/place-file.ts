/**
 * Moves a finished file from its temporary name to its final one without ever replacing a file
 * there: link() fails on an existing name (a file, or a symlink someone planted), where rename()
 * would silently replace it.
 */
import { link, rm } from 'node:fs/promises';
import { OutputFileExistsError } from './errors.js';

/**
 * Gives `from` the name `to` and drops the old name; `exists(to)` (default OutputFileExistsError)
 * when `to` exists, with `from` left for the caller to remove.
 *
 * @example await placeFile('/out/vm.overlay.zip.partial', '/out/vm.overlay.zip');
 */
export async function placeFile(from: string, to: string, exists: (path: string) => Error = (path) => new OutputFileExistsError(path)): Promise<void> {
  await link(from, to).catch((error: NodeJS.ErrnoException) => {
    throw error.code === 'EEXIST' ? exists(to) : error;
  });
  await rm(from, { force: true });
}
