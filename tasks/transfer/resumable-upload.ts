// ctx.upload: a big file sent to a host so that no run is wasted and nothing half-sent is ever
// at the path. The bytes go to `<path>.part` (0600) under a lock (upload-lock.ts); a later run
// continues a partial upload once its bytes are shown to equal the local file's first bytes;
// the whole file's SHA-256 is checked before the partial is renamed to the path. A file already
// at the path with the same SHA-256 is not sent again. A cut connection, an abort or a full disk
// leave the partial for the next run; a corrupt result is removed.
import { stat } from 'node:fs/promises';
import type { PutRangeOptions } from '../connection/connection.js';
import { TransferError, UsageError } from '../errors.js';
import { megabytes } from '../render/format.js';
import type { Progress } from '../../sdk/progress/index.js';
import { UploadCorruptError, UploadNoSpaceError } from './errors.js';
import { LocalDigest } from './local-digest.js';
import { installPartial, partialPath, probeRemote, remoteSha256, removePartial, type RemoteRun, type RemoteState } from './remote-partial.js';
import { acquireUploadLock } from './upload-lock.js';

/** Options of ctx.upload. */
export interface UploadOptions {
  /** The local file's SHA-256 (hex), if known; computed by reading the file otherwise. */
  readonly sha256?: string;
  /** At most this many bytes per second (a positive number). */
  readonly bytesPerSecond?: number;
  /** Aborting stops the upload; what was sent stays on the host for the next run. */
  readonly signal?: AbortSignal;
}

/** What ctx.upload did. */
export interface UploadResult {
  /** The file's path on the host. */
  readonly path: string;
  /** True when the path already held a file with this SHA-256: nothing was sent. */
  readonly skipped: boolean;
  /** Bytes of an earlier partial upload that were kept (0 when it started from the beginning). */
  readonly resumedFrom: number;
  readonly sentBytes: number;
  readonly durationMs: number;
  /** The file's SHA-256 (hex), checked on the host. */
  readonly sha256: string;
}

/** What an upload needs of a host: quiet commands, positioned writes, and a place for its progress. */
export interface UploadTarget {
  readonly host: string;
  readonly run: RemoteRun;
  putRange(localPath: string, remotePath: string, options: PutRangeOptions): Promise<void>;
  progress(event: Progress): void;
}

const BYTES_EVERY_MS = 250;

/** Uploads `localPath` to `remotePath` on the target: skipped, resumed or sent whole, and checked (see the top of this file). */
export async function resumableUpload(target: UploadTarget, localPath: string, remotePath: string, options: UploadOptions = {}): Promise<UploadResult> {
  checkOptions(options);
  const started = Date.now();
  const { signal } = options;
  let size: number;
  try {
    size = (await stat(localPath)).size;
  } catch (error) {
    throw new TransferError(target.host, 'put', localPath, remotePath, `cannot read the local file: ${(error as Error).message}`, { cause: error });
  }
  const digest = new LocalDigest(localPath, options.sha256, signal);
  const run = target.run;
  const finish = (result: Omit<UploadResult, 'path' | 'durationMs'>, detail: string): UploadResult => {
    const durationMs = Date.now() - started;
    target.progress({ kind: 'phase-end', phase: 'upload', elapsedMs: durationMs, detail });
    return { path: remotePath, ...result, durationMs };
  };
  const alreadyThere = async (state: RemoteState): Promise<string | undefined> => {
    if (state.finalSize !== size) return undefined;
    const sha256 = await digest.full();
    return (await remoteSha256(run, remotePath)) === sha256 ? sha256 : undefined;
  };
  const skipped = (sha256: string): UploadResult => finish({ skipped: true, resumedFrom: 0, sentBytes: 0, sha256 }, `already there (SHA-256 ${sha256.slice(0, 12)}…)`);

  target.progress({ kind: 'phase-start', phase: 'upload' });
  const there = await alreadyThere(await probeRemote(run, remotePath));
  if (there) return skipped(there);
  const warn = (message: string): void => target.progress({ kind: 'warning', message });
  const lock = await acquireUploadLock(
    run,
    remotePath,
    (holder) => warn(`waiting for another upload of ${remotePath} (held by ${holder.owner}, active ${holder.ageSeconds} s ago)`),
    signal,
  );
  try {
    const state = await probeRemote(run, remotePath);
    const done = await alreadyThere(state);
    if (done) return skipped(done);
    const from = await resumePoint(target, remotePath, state, size, digest);
    // Starting over truncates the partial, so its bytes count as free.
    const available = state.availableBytes + (from === 0 ? (state.partSize ?? 0) : 0);
    if (available < size - from) throw new UploadNoSpaceError(target.host, remotePath, size - from, available, from);
    await send(target, localPath, remotePath, from, size, options);
    const sha256 = await digest.full();
    const actual = await remoteSha256(run, partialPath(remotePath));
    if (actual !== sha256) {
      await removePartial(run, remotePath);
      throw new UploadCorruptError(target.host, remotePath, sha256, actual);
    }
    await installPartial(run, remotePath);
    const seconds = (Date.now() - started) / 1000;
    const resumed = from > 0 ? ` (resumed from ${megabytes(from)} MB)` : '';
    return finish({ skipped: false, resumedFrom: from, sentBytes: size - from, sha256 }, `sent ${megabytes(size - from)} of ${megabytes(size)} MB${resumed} in ${seconds.toFixed(1)} s, SHA-256 checked`);
  } finally {
    await lock.release();
  }
}

function checkOptions(options: UploadOptions): void {
  if (options.sha256 !== undefined && !/^[0-9a-fA-F]{64}$/.test(options.sha256)) throw new UsageError(`upload: sha256 must be 64 hex digits, not '${options.sha256}'`);
  const rate = options.bytesPerSecond;
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) throw new UsageError(`upload: bytesPerSecond must be a positive number, not ${rate}`);
}

/** Where sending starts: the partial's end if its bytes are the local file's first bytes, else 0. */
async function resumePoint(target: UploadTarget, remotePath: string, state: RemoteState, size: number, digest: LocalDigest): Promise<number> {
  const part = state.partSize;
  if (part === undefined || part === 0) return 0;
  const discard = (why: string): number => {
    target.progress({ kind: 'warning', message: `the partial upload ${partialPath(remotePath)} (${part} bytes) ${why}: starting over` });
    return 0;
  };
  if (part > size) return discard(`is longer than the local file (${size} bytes)`);
  const [local, remote] = await Promise.all([digest.prefix(part), remoteSha256(target.run, partialPath(remotePath), part)]);
  return local === remote ? part : discard("does not match the local file's first bytes");
}

/** Sends bytes [from, size), reporting them; a failure with the disk full becomes UploadNoSpaceError. */
async function send(target: UploadTarget, localPath: string, remotePath: string, from: number, size: number, options: UploadOptions): Promise<void> {
  let done = from;
  let reported = 0;
  const report = (): void => {
    reported = Date.now();
    target.progress({ kind: 'bytes', phase: 'upload', done, total: size });
  };
  report();
  try {
    await target.putRange(localPath, partialPath(remotePath), {
      start: from,
      end: size,
      onBytes: (bytes) => {
        done += bytes;
        if (Date.now() - reported >= BYTES_EVERY_MS) report();
      },
      ...(options.bytesPerSecond !== undefined ? { bytesPerSecond: options.bytesPerSecond } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted || !(error instanceof TransferError)) throw error;
    throw await diagnoseNoSpace(target, remotePath, size, error);
  }
  report();
}

/** A failed write on a full disk says so; any other failure (or a host that no longer answers) stays as it was. */
async function diagnoseNoSpace(target: UploadTarget, remotePath: string, size: number, failure: TransferError): Promise<Error> {
  try {
    const state = await probeRemote(target.run, remotePath);
    const partial = state.partSize ?? 0;
    if (state.availableBytes < size - partial) return new UploadNoSpaceError(target.host, remotePath, size - partial, state.availableBytes, partial, { cause: failure });
  } catch {
    // The probe failing too (the connection is gone) leaves the transfer's own error as the cause to report.
  }
  return failure;
}
