/**
 * Scratch directories that a killed process cannot leave behind for good: each is named
 * `<prefix><pid>-<random>` inside the directory it works in, and making one first removes those
 * of the same prefix whose process is gone (kill -9, a power cut before the cleanup in `finally`).
 * A directory whose pid is alive is never touched, whoever owns it now; a reused pid only delays
 * the sweep.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Sweeps dead siblings, then creates `<parent>/<prefix><pid>-XXXXXX`.
 *
 * @example const scratch = await makeScratchDir(outputDir, '.synthesis-');
 */
export async function makeScratchDir(parent: string, prefix: string): Promise<string> {
  await sweepDeadScratchDirs(parent, prefix);
  return mkdtemp(join(parent, `${prefix}${process.pid}-`));
}

/** Removes `<prefix><pid>-*` entries of `parent` whose process no longer runs; returns their names. */
export async function sweepDeadScratchDirs(parent: string, prefix: string): Promise<string[]> {
  const swept: string[] = [];
  for (const name of await readdir(parent).catch(() => [])) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    if (!Number.isSafeInteger(pid) || pid <= 0 || isAlive(pid)) continue;
    await rm(join(parent, name), { recursive: true, force: true });
    swept.push(name);
  }
  return swept;
}

/** Whether process `pid` still runs (whoever owns it). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
