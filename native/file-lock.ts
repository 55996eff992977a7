/**
 * flock(2), which Node lacks, through util-linux's flock(1): the child locks a descriptor it
 * inherits from us and exits. The lock belongs to the open file description, which we share, so it
 * stays after the child is gone and ends when we close the file or die, however we die: a killed
 * holder leaves no stale lock for anyone to detect or break. Each open() is a description of its
 * own, so two holders in one process exclude each other as two processes do.
 */
import { spawn } from 'node:child_process';
import type { FileHandle } from 'node:fs/promises';
import { CloudletError } from '../sdk/errors/cloudlet-error.js';
import { HostToolMissingError } from './host-tool.js';

/** flock(1)'s exit status when the wait runs out (set with --conflict-exit-code; its own failures exit 1 or 64 and up). */
const TIMED_OUT = 75;

/** flock(1) failed for another reason than a lock held by someone else. */
export class FileLockError extends CloudletError {
  static override readonly code: string = 'native-flock-failed';
  constructor(readonly path: string, readonly exitCode: number | undefined, readonly stderr: string) {
    super(`flock on ${path} failed (exit ${exitCode ?? 'none'}): ${stderr.trim() || 'no message'}`);
  }
}

/**
 * Takes an exclusive flock on `file` (opened from `path`), waiting up to `timeoutMs`; false when
 * another holder still has it then. Closing `file` releases it.
 *
 * @example const file = await open('/x/registry.flock', 'a'); if (await lockExclusive(file, '/x/registry.flock', 30_000)) { …; await file.close(); }
 */
export async function lockExclusive(file: FileHandle, path: string, timeoutMs: number): Promise<boolean> {
  const args = ['--exclusive', '--wait', String(timeoutMs / 1000), '--conflict-exit-code', String(TIMED_OUT), '3'];
  // child_process rather than execa: execa's types take no descriptor past stdio[2].
  const child = spawn('flock', args, { stdio: ['ignore', 'ignore', 'pipe', file.fd] });
  let stderr = '';
  child.stderr!.on('data', (bytes: Buffer) => (stderr += bytes.toString()));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on('error', (error: NodeJS.ErrnoException) => reject(error.code === 'ENOENT' ? new HostToolMissingError('flock', { cause: error }) : error));
    child.on('close', resolve);
  });
  if (exitCode === 0) return true;
  if (exitCode === TIMED_OUT) return false;
  throw new FileLockError(path, exitCode ?? undefined, stderr);
}
