// What `push-base BASE` sends: BASE is an archive made by `cloudlet export-base`, or a base in the
// operator's own registry, exported once into the operator's cache (0700) and reused, so that a
// re-run after Ctrl-C resumes the same bytes instead of uploading a fresh export. The archive's
// manifest is read here, on the operator's side: the hosts that already have its ID are skipped
// before anything is uploaded.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ArchiveReader } from '../../sdk/base/archive-reader.js';
import { parseManifest } from '../../sdk/base/archive-manifest.js';
import { ArchiveExistsError } from '../../sdk/base/errors.js';
import { exportBase } from '../../sdk/base/export-base.js';
import { BaseRegistry } from '../../sdk/base/registry.js';
import { cacheDir } from '../install/bundle/package-cache.js';

/** A base archive on the operator's machine, with the ID and name its manifest gives. */
export interface BaseArchive {
  readonly path: string;
  readonly id: string;
  readonly name: string;
  readonly size: number;
}

/** Reads an archive's manifest (the archive is checked again, in full, by the host's import). */
export async function readBaseArchive(path: string): Promise<BaseArchive> {
  const reader = await ArchiveReader.open(path);
  try {
    const manifest = parseManifest(path, await reader.manifestText());
    return { path, id: manifest.id, name: manifest.name, size: (await stat(path)).size };
  } finally {
    reader.close();
  }
}

/**
 * The archive for `ref`: a file of that path, else the base of that ID, ID prefix or name in the
 * operator's registry (`cloudletDir`, default ~/.cloudlet), exported once to the cache.
 */
export function baseArchive(ref: string, options: { cloudletDir?: string } = {}): Promise<BaseArchive> {
  // Every host of a run asks for the same archive: resolve (and export) it once.
  const key = `${ref}\0${options.cloudletDir ?? ''}`;
  let found = archives.get(key);
  if (!found) {
    found = findArchive(ref, options);
    archives.set(key, found);
    found.catch(() => archives.delete(key));
  }
  return found;
}

const archives = new Map<string, Promise<BaseArchive>>();

async function findArchive(ref: string, options: { cloudletDir?: string }): Promise<BaseArchive> {
  if (await stat(ref).then((info) => info.isFile(), () => false)) return readBaseArchive(ref);
  const base = await (await BaseRegistry.open(options)).resolve(ref);
  const path = join(await cacheDir('exports'), `${base.id}.zip`);
  if (!(await stat(path).then(() => true, () => false))) {
    // Another run exporting the same base at once finishes first: its archive is the same base.
    await exportBase(base.id, path, options).catch((error: unknown) => {
      if (!(error instanceof ArchiveExistsError)) throw error;
    });
  }
  return readBaseArchive(path);
}
