// ctx.cloudlet.pushBase: one base archive onto one host. A host that has the base ID already is
// skipped before anything is sent; otherwise the archive goes up resumably into the login user's
// upload cache, is checked whole (SHA-256), and `cloudlet import-base` checks the base ID against
// the disk and registers it atomically. Two operators at once: the one who imports second hears
// `base-duplicate` and reports the base as present. The uploaded archive is removed once the base
// is registered; after a failed import it stays (verified) so a re-run does not send it again.
// With `relayFanout` (push-base --relay) the hosts of the run pass the archive on among themselves
// (relay-pool.ts, relay-transfer.ts): a host whose upload is checked serves others before its
// copy is removed, and a host whose relay source fails gets it from another source or the
// operator, resuming from its partial.
import { sh } from '../command/command.js';
import type { UploadOptions, UploadResult } from '../transfer/resumable-upload.js';
import type { TaskContext } from '../task/task-context.js';
import type { BaseArchive } from './base-source.js';
import { RemoteCloudletError } from './errors.js';
import { fileSha256 } from './file-digest.js';
import { RelayPool } from './relay-pool.js';
import { isSourceFailure, relayUnfit, relayUpload, type RelaySource } from './relay-transfer.js';
import type { RemoteBase, RemoteCloudlet } from './remote-cloudlet.js';

/** Where uploads wait on the host, relative to the login user's home. */
export const UPLOAD_DIR = '.cache/cloudlet-tasks/uploads';

/** How a file goes up to a host. */
export interface TransferOptions {
  /** Upload rate limit per host, bytes per second. */
  readonly bytesPerSecond?: number;
  /**
   * Relay among the run's hosts (push-base --relay): a host that has the checked archive sends it
   * on to up to this many others, and the operator sends it about once.
   */
  readonly relayFanout?: number;
}

/** What push-base did on one host. */
export interface PushBaseResult {
  readonly base: string;
  readonly name: string;
  /** `present`: the host had it (nothing sent); `would-import` under --dry-run. */
  readonly status: 'imported' | 'present' | 'would-import';
  readonly upload?: Pick<UploadResult, 'sentBytes' | 'resumedFrom' | 'skipped' | 'durationMs'>;
  /** Where the uploaded bytes came from: `operator`, or the name of the host that relayed them. */
  readonly source?: string;
  /** Under --relay: why this host got the operator's upload instead (it cannot be reached from the other hosts). */
  readonly relayNote?: string;
  readonly durationMs: number;
}

/** A finished upload and who sent it. */
interface Delivery {
  readonly upload: UploadResult;
  readonly source: string;
  readonly relayNote?: string;
}

export async function pushBase(ctx: TaskContext, remote: RemoteCloudlet, archive: BaseArchive, options: TransferOptions = {}): Promise<PushBaseResult> {
  const fanout = options.relayFanout;
  const pool = fanout !== undefined && !ctx.dryRun ? ctx.runShared(`push-base-relay:${archive.id}`, (run) => new RelayPool<RelaySource>(run, fanout)) : undefined;
  const host = ctx.host.name;
  pool?.join(host);
  try {
    return await pushOnHost(ctx, remote, archive, options, pool);
  } finally {
    await pool?.retire(host);
  }
}

async function pushOnHost(ctx: TaskContext, remote: RemoteCloudlet, archive: BaseArchive, options: TransferOptions, pool: RelayPool<RelaySource> | undefined): Promise<PushBaseResult> {
  const started = Date.now();
  const done = (status: PushBaseResult['status'], delivery?: Delivery): PushBaseResult => {
    const upload = delivery?.upload;
    return {
      base: archive.id,
      name: archive.name,
      status,
      ...(upload ? { upload: { sentBytes: upload.sentBytes, resumedFrom: upload.resumedFrom, skipped: upload.skipped, durationMs: upload.durationMs } } : {}),
      ...(delivery ? { source: delivery.source } : {}),
      ...(delivery?.relayNote ? { relayNote: delivery.relayNote } : {}),
      durationMs: Date.now() - started,
    };
  };
  const host = ctx.host.name;
  if ((await remote.bases()).some((base: RemoteBase) => base.id === archive.id)) return done('present');
  if (ctx.dryRun) return done('would-import');
  const uploadOptions: UploadOptions = { sha256: await fileSha256(archive.path), ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}) };
  const remotePath = `${UPLOAD_DIR}/${archive.id}.zip`;
  const delivery = pool ? await relayed(ctx, pool, archive.path, remotePath, uploadOptions) : { upload: await ctx.upload(archive.path, remotePath, uploadOptions), source: 'operator' };
  const { upload } = delivery;
  let status: PushBaseResult['status'] = 'imported';
  await remote.withFile(upload.path, async (path) => {
    try {
      await remote.command(['import-base', path]);
    } catch (error) {
      if (!(error instanceof RemoteCloudletError && error.remoteCode === 'base-duplicate')) throw error;
      status = 'present';
    }
  });
  // The copy stays until the hosts it serves have theirs.
  await pool?.retire(host);
  await ctx.run(sh`rm -f ${upload.path}`, { quiet: true, check: false });
  return done(status, delivery);
}

/** The archive onto the host from a relay source, or the operator when none can serve; a failed source gives way to the next. */
async function relayed(ctx: TaskContext, pool: RelayPool<RelaySource>, localPath: string, remotePath: string, options: UploadOptions): Promise<Delivery> {
  const host = ctx.host.name;
  const unfit = relayUnfit(ctx);
  if (unfit) {
    pool.settle(host);
    return { upload: await ctx.upload(localPath, remotePath, options), source: 'operator', relayNote: unfit };
  }
  for (;;) {
    const lease = await pool.acquire(host);
    if (lease.kind === 'operator') {
      let upload: UploadResult | undefined;
      try {
        upload = await ctx.upload(localPath, remotePath, options);
        return { upload, source: 'operator' };
      } finally {
        pool.release(host, lease, upload ? { received: { ctx, path: upload.path } } : {});
      }
    }
    try {
      const upload = await relayUpload(ctx, lease.handle, localPath, remotePath, options);
      pool.release(host, lease, { received: { ctx, path: upload.path } });
      return { upload, source: lease.name };
    } catch (error) {
      const sourceFailed = isSourceFailure(error, host);
      pool.release(host, lease, { sourceFailed });
      if (!sourceFailed) throw error;
      ctx.reportProgress({ kind: 'warning', message: `the relay from ${lease.name} failed (${(error as Error).message.split('\n')[0]}); asking another source` });
    }
  }
}
