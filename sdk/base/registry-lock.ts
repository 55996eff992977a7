/**
 * Cross-process locks as directories: `mkdir` is atomic, and the owner's pid inside lets a later
 * process break the lock of one that was killed. The registry holds its lock only for the instant
 * the set of bases changes (a rename), never while hashing or booting.
 */
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { RegistryLockTimeoutError } from './errors.js';

/** A lock directory without a pid file this old is abandoned (its owner died between mkdir and write). */
const ORPHAN_AGE_MS = 30_000;

export interface LockDirOptions {
  timeoutMs: number;
  /** How often a waiter looks again. */
  pollMs: number;
  /** The error thrown when the lock is still held at the deadline. */
  timeoutError: (ownerPid: number | undefined) => Error;
}

/** Runs `work` while holding the lock directory `lockDir`, breaking the lock of a dead owner. */
export async function withLockDir<T>(lockDir: string, work: () => Promise<T>, options: LockDirOptions): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
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
      if (Date.now() > deadline) throw options.timeoutError(owner);
      await sleep(options.pollMs);
    }
  }
  try {
    await writeFile(join(lockDir, 'pid'), String(process.pid));
    return await work();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

/** Runs `work` while holding the registry's lock. */
export function withRegistryLock<T>(lockDir: string, work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return withLockDir(lockDir, work, { timeoutMs, pollMs: 50, timeoutError: (owner) => new RegistryLockTimeoutError(lockDir, owner, timeoutMs) });
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
