/**
 * Cross-process locks as flock(2) on a lock file (native/file-lock.ts). The kernel drops a lock
 * when its holder exits, however it exits, so no lock is ever stale: nobody breaks one, and no two
 * waiters can both take one over. The holder writes its pid into the file, for the message of a
 * waiter that gives up. The file stays when the lock is released: removing it would let a waiter
 * lock the unlinked file while a newcomer locks a new one. The registry holds its lock only for the
 * instant the set of bases changes (a rename), never while hashing or booting.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { lockExclusive } from '../../native/file-lock.js';
import { PRIVATE_MODE } from '../files/index.js';
import { RegistryLockTimeoutError } from './errors.js';

export interface LockFileOptions {
  timeoutMs: number;
  /** The error thrown when the lock is still held at the deadline, given the pid the holder wrote. */
  timeoutError: (ownerPid: number | undefined) => Error;
}

/** Runs `work` while holding the flock of `path` (created private if missing, never through a symlink). */
export async function withLockFile<T>(path: string, work: () => Promise<T>, options: LockFileOptions): Promise<T> {
  const file = await open(path, constants.O_RDWR | constants.O_CREAT | constants.O_NOFOLLOW, PRIVATE_MODE);
  try {
    if (!(await lockExclusive(file, path, options.timeoutMs))) throw options.timeoutError(await lockOwner(file));
    await file.truncate(0);
    await file.write(String(process.pid), 0);
    return await work();
  } finally {
    // Closing the only descriptor of this open file releases the lock.
    await file.close();
  }
}

/** Runs `work` while holding the registry's lock. */
export function withRegistryLock<T>(lockFile: string, work: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  return withLockFile(lockFile, work, { timeoutMs, timeoutError: (owner) => new RegistryLockTimeoutError(lockFile, owner, timeoutMs) });
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

async function lockOwner(file: FileHandle): Promise<number | undefined> {
  const { bytesRead, buffer } = await file.read(Buffer.alloc(16), 0, 16, 0);
  const pid = Number.parseInt(buffer.subarray(0, bytesRead).toString(), 10);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}
