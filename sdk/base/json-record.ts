/**
 * Registry records (a base's base.json, a VM's vm.json) are small JSON files written so that a
 * crash leaves either the old record or the new one: a new private temp file, fsync, rename, fsync
 * of the directory.
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { createPrivateFile } from '../files/index.js';

/** Makes renames and creations inside `dir` durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `record` to `path` (in directory `dir`) atomically. */
export async function writeJsonRecord(dir: string, path: string, record: unknown): Promise<void> {
  const temp = `${path}.partial`;
  const file = await createPrivateFile(temp);
  try {
    await file.writeFile(`${JSON.stringify(record, null, 2)}\n`);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path).catch(async (error: unknown) => {
    await rm(temp, { force: true });
    throw error;
  });
  await syncDir(dir);
}

/** Reads and parses `path`; a missing file or bad JSON becomes the caller's typed error. */
export async function readJsonRecord(path: string, fail: (field: string, problem: string) => Error): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw fail('file', 'is missing');
    throw fail('JSON', (error as Error).message);
  }
}
