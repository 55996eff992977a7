/**
 * The registry's cross-process lock: `mkdir` is atomic, and the owner's pid inside lets a later
 * command break the lock of one that was killed. Held only for the instant the set of bases changes
 * (a rename), never while hashing or booting.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryLockTimeoutError } from './errors.js';

/** A lock directory without a pid file this old is abandoned (its owner died between mkdir and write). */
const ORPHAN_AGE_MS = 30_000;

/** Runs `work` while holding `lockDir`. */
export async function withRegistryLock<T>(lockDir: string, work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await lockOwner(lockDir);
      if (owner === undefined ? await olderThan(lockDir, ORPHAN_AGE_MS) : !processAlive(owner)) {
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new RegistryLockTimeoutError(lockDir, owner, timeoutMs);
      await sleep(50);
    }
  }
  try {
    await writeFile(join(lockDir, 'pid'), String(process.pid));
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/** Whether `pid` names a live process (EPERM: alive, owned by someone else). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockOwner(lockDir: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(join(lockDir, 'pid'), 'utf8').catch(() => ''), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

async function olderThan(path: string, ageMs: number): Promise<boolean> {
  const stats = await stat(path).catch(() => undefined);
  return stats === undefined || Date.now() - stats.mtimeMs > ageMs;
}
