// ctx.cloudlet.pushBase: one base archive onto one host. A host that has the base ID already is
// skipped before anything is sent; otherwise the archive goes up resumably into the login user's
// upload cache, is checked whole (SHA-256), and `cloudlet import-base` checks the base ID against
// the disk and registers it atomically. Two operators at once: the one who imports second hears
// `base-duplicate` and reports the base as present. The uploaded archive is removed once the base
// is registered; after a failed import it stays (verified) so a re-run does not send it again.
import { sh } from '../command/command.js';
import type { UploadResult } from '../transfer/resumable-upload.js';
import type { TaskContext } from '../task/task-context.js';
import type { BaseArchive } from './base-source.js';
import { RemoteCloudletError } from './errors.js';
import { fileSha256 } from './file-digest.js';
import type { RemoteBase, RemoteCloudlet } from './remote-cloudlet.js';

/** Where uploads wait on the host, relative to the login user's home. */
export const UPLOAD_DIR = '.cache/cloudlet-tasks/uploads';

/** How a file goes up to a host. */
export interface TransferOptions {
  /** Upload rate limit per host, bytes per second. */
  readonly bytesPerSecond?: number;
}

/** What push-base did on one host. */
export interface PushBaseResult {
  readonly base: string;
  readonly name: string;
  /** `present`: the host had it (nothing sent); `would-import` under --dry-run. */
  readonly status: 'imported' | 'present' | 'would-import';
  readonly upload?: Pick<UploadResult, 'sentBytes' | 'resumedFrom' | 'skipped' | 'durationMs'>;
  readonly durationMs: number;
}

export async function pushBase(ctx: TaskContext, remote: RemoteCloudlet, archive: BaseArchive, options: TransferOptions = {}): Promise<PushBaseResult> {
  const started = Date.now();
  const done = (status: PushBaseResult['status'], upload?: UploadResult): PushBaseResult => ({
    base: archive.id,
    name: archive.name,
    status,
    ...(upload ? { upload: { sentBytes: upload.sentBytes, resumedFrom: upload.resumedFrom, skipped: upload.skipped, durationMs: upload.durationMs } } : {}),
    durationMs: Date.now() - started,
  });
  if ((await remote.bases()).some((base: RemoteBase) => base.id === archive.id)) return done('present');
  if (ctx.dryRun) return done('would-import');
  const upload = await ctx.upload(archive.path, `${UPLOAD_DIR}/${archive.id}.zip`, {
    sha256: await fileSha256(archive.path),
    ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}),
  });
  let status: PushBaseResult['status'] = 'imported';
  await remote.withFile(upload.path, async (path) => {
    try {
      await remote.command(['import-base', path]);
    } catch (error) {
      if (!(error instanceof RemoteCloudletError && error.remoteCode === 'base-duplicate')) throw error;
      status = 'present';
    }
  });
  await ctx.run(sh`rm -f ${upload.path}`, { quiet: true, check: false });
  return done(status, upload);
}
