/**
 * `cloudlet export-base`: a registered base as a zip (archive-manifest.ts). The archive is written
 * next to its destination under a temporary name and linked into place only when complete, so a
 * crash or Ctrl-C never leaves a truncated archive under the name asked for, and an existing file
 * is never overwritten.
 */
import { randomBytes } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { createPrivateFile, placeFile } from '../files/index.js';
import { ARCHIVE_MEMBERS, manifestFor } from './archive-manifest.js';
import { ArchiveExistsError } from './errors.js';
import type { CloudletDirOptions } from './cloudlet-dir.js';
import { runPhase, type ProgressListener } from '../progress/index.js';
import { BaseRegistry } from './registry.js';

/** Options of exportBase. */
export interface ExportBaseOptions extends CloudletDirOptions {
  /** Deflate level 0 (store) to 9. Default 1: zero runs of sparse disks shrink as much as at 9, far faster. */
  compressionLevel?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

/** The archive exportBase wrote. */
export interface ExportedBase {
  archive: string;
  id: string;
  bytes: number;
}

/**
 * Writes base `ref` (ID, ID prefix or name) to the new zip `archive`.
 *
 * @example const { bytes } = await exportBase('b850e752', '/srv/bases/debian.zip');
 */
export async function exportBase(ref: string, archive: string, options: ExportBaseOptions = {}): Promise<ExportedBase> {
  const emit = options.onProgress ?? (() => undefined);
  const target = resolve(archive);
  const base = await (await BaseRegistry.open(options)).resolve(ref);
  if (await stat(target).then(() => true, () => false)) throw new ArchiveExistsError(target);
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  const level = options.compressionLevel ?? 1;
  try {
    await runPhase(emit, 'archive', options.signal, async () => {
      const zip = new yazl.ZipFile();
      zip.addBuffer(Buffer.from(`${JSON.stringify(manifestFor(base), null, 2)}\n`), ARCHIVE_MEMBERS.manifest, { compressionLevel: 9 });
      zip.addFile(base.files.disk, ARCHIVE_MEMBERS.disk, { compressionLevel: level });
      zip.addFile(base.files.memory, ARCHIVE_MEMBERS.memory, { compressionLevel: level });
      zip.end();
      // Private: the memory image holds whatever the guest had in RAM.
      const file = await createPrivateFile(partial);
      await pipeline(zip.outputStream, file.createWriteStream(), options.signal ? { signal: options.signal } : {});
      await placeFile(partial, target, (path) => new ArchiveExistsError(path));
    }, () => target);
    return { archive: target, id: base.id, bytes: (await stat(target)).size };
  } finally {
    await rm(partial, { force: true });
  }
}
