/**
 * Applies an early-started VM's remaining blobs while it runs, and tells the lazy disk as each
 * one's chunks become readable. A source that can read blobs in any order (a package file) takes
 * them from a DemandQueue, so a blob a blocked read waits for comes next; a blob whose self
 * references reach into blobs not yet applied goes back, behind those blobs (self references
 * always point to earlier blobs, so this ends). A stream is applied in its own order, decoded
 * ahead. Any failure (a SHA-256, an item, the transfer) fails the lazy disk before it is thrown:
 * the reads waiting for the blob get EIO, never its bytes.
 */
import { applyItems, type ItemApplier } from '../overlay/apply/index.js';
import { prefetchBlobs, type CodecPool } from '../overlay/compress/index.js';
import { decodeItems, type ItemAddress } from '../overlay/items/index.js';
import type { BlobMeta } from '../overlay/package/index.js';
import type { OpenedOverlay } from '../synthesis/index.js';
import { DiskSources } from './disk-sources.js';
import { LazyDiskFailedError } from './errors.js';
import type { DemandQueue } from './demand-queue.js';
import type { MountedLazyDisk } from './lazy-disk-mount.js';

export interface DiskFeed {
  source: OpenedOverlay;
  applier: ItemApplier;
  lazy: MountedLazyDisk;
  /** The blobs still to apply, in meta order. */
  blobs: readonly BlobMeta[];
  /** The order to follow; none for a stream (meta order). */
  queue?: DemandQueue;
  pool: CodecPool;
  /** After each blob. */
  onBlob?: (blob: BlobMeta, items: number) => void;
  signal?: AbortSignal;
}

/**
 * Applies `feed.blobs`; resolves when all are in, or throws LazyDiskFailedError (the disk failed first).
 *
 * @example await feedDisk({ source: pkg, applier, lazy, blobs: diskBlobs, queue, pool });
 */
export async function feedDisk(feed: DiskFeed): Promise<void> {
  let current: string | undefined;
  try {
    const apply = async (blob: BlobMeta, data: Buffer): Promise<void> => {
      current = blob.name;
      feed.signal?.throwIfAborted();
      const items = await applyItems([data], blob, feed.applier);
      // Read back through another descriptor: the gathered writes must be on the file first.
      feed.lazy.scratch.flush();
      feed.lazy.disk.arrived(blob.name);
      feed.onBlob?.(blob, items);
    };
    if (feed.queue === undefined) {
      // prefetchBlobs throws a blob's error when its turn comes: the blob after the last applied.
      let turn = 0;
      current = feed.blobs[0]?.name;
      for await (const { blob, data } of prefetchBlobs(feed.source, feed.blobs, { pool: feed.pool })) {
        await apply(blob, data);
        current = feed.blobs[++turn]?.name;
      }
      return;
    }
    await inDemandOrder(feed, feed.queue, apply, (name) => (current = name));
  } catch (error) {
    const failure = error instanceof LazyDiskFailedError ? error : new LazyDiskFailedError(current, error instanceof Error ? error.message : String(error), { cause: error });
    feed.lazy.disk.fail(failure);
    throw failure;
  }
}

async function inDemandOrder(feed: DiskFeed, queue: DemandQueue, apply: (blob: BlobMeta, data: Buffer) => Promise<void>, reading: (name: string) => void): Promise<void> {
  const byName = new Map(feed.blobs.map((blob) => [blob.name, blob]));
  const owners = new DiskSources(feed.source.meta);
  const applied = new Set<string>();
  // A blob put back behind its references keeps its bytes: it is not fetched twice.
  const held = new Map<string, Buffer>();
  for (let name = queue.next(); name !== undefined; name = queue.next()) {
    const blob = byName.get(name)!;
    reading(name);
    let data = held.get(name);
    if (data === undefined) for await (const fetched of prefetchBlobs(feed.source, [blob], { pool: feed.pool })) data = fetched.data;
    const needed = await missingBlobs(blob, data!, feed, owners, applied);
    if (needed.length > 0) {
      held.set(name, data!);
      queue.putBack(name);
      for (const other of needed.reverse()) queue.demand(other);
      continue;
    }
    held.delete(name);
    await apply(blob, data!);
    applied.add(name);
  }
}

/** The blobs (meta order) holding chunks this blob's self references need and that are not applied yet. */
async function missingBlobs(blob: BlobMeta, data: Buffer, feed: DiskFeed, owners: DiskSources, applied: Set<string>): Promise<string[]> {
  const targets: ItemAddress[] = [];
  const earlier = (target: ItemAddress): boolean => {
    if (!feed.applier.has(target)) targets.push(target);
    return true;
  };
  for await (const item of decodeItems(once(data), { limits: feed.applier.limits, claims: blob, earlier })) void item;
  const names = new Set<string>();
  for (const target of targets) {
    const source = target.kind === 'disk' ? owners.at(target.index).source : undefined;
    const owner = source?.kind === 'blob' ? feed.source.meta.blobs[source.blob]?.name : undefined;
    // A memory page is applied before the VM resumes; an unowned target is the reader's error to report when applied.
    if (owner !== undefined && owner !== blob.name && !applied.has(owner)) names.add(owner);
  }
  const order = new Map(feed.source.meta.blobs.map((b, i) => [b.name, i]));
  return [...names].sort((a, b) => order.get(a)! - order.get(b)!);
}

async function* once(data: Buffer): AsyncGenerator<Uint8Array> {
  yield data;
}
