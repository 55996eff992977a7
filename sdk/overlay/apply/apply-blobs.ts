import { decompressBlob } from '../compress/index.js';
import { decodeItems } from '../items/index.js';
import type { BlobMeta } from '../package/index.js';
import type { ItemApplier } from './item-applier.js';

/** Where blobs come from: an OverlayPackage fits (its readBlob verifies each blob's SHA-256 first). */
export interface BlobSource {
  readonly meta: { readonly blobs: readonly BlobMeta[] };
  readBlob(name: string): AsyncIterable<Uint8Array>;
}

/** Items applied between turns of the event loop: about a millisecond of work. */
const YIELD_EVERY = 64;

export interface ApplyBlobOptions {
  /** Largest uncompressed blob accepted; see decompressBlob. */
  maxUncompressed?: number;
}

/**
 * Decompresses one blob (never past its declared size), checks its items against the blob's claims
 * and the applier's limits, and applies them in order. Self references may point into this blob or
 * into blobs applied before; apply blobs in meta order, or fetch a referenced blob first.
 * Returns the number of items applied.
 *
 * @example const items = await applyBlob(pkg.readBlob(blob.name), blob, applier);
 */
export async function applyBlob(bytes: AsyncIterable<Uint8Array>, blob: BlobMeta, applier: ItemApplier, options: ApplyBlobOptions = {}): Promise<number> {
  return applyItems(decompressBlob(bytes, { ...blob, limit: options.maxUncompressed }), blob, applier);
}

/**
 * Applies the items of one blob already decompressed (prefetchBlobs), checked as applyBlob does.
 *
 * @example for await (const { blob, data } of prefetchBlobs(pkg, blobs)) await applyItems([data], blob, applier);
 */
export async function applyItems(decompressed: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, blob: BlobMeta, applier: ItemApplier): Promise<number> {
  let count = 0;
  for await (const item of decodeItems(asAsync(decompressed), { limits: applier.limits, claims: blob, earlier: (target) => applier.has(target) })) {
    await applier.apply(blob.name, item);
    // Applying resolves only microtasks (chunk I/O is synchronous): without a turn of the event
    // loop now and then, decompressors waiting for their next input slice would stall meanwhile.
    if (++count % YIELD_EVERY === 0) await new Promise(setImmediate);
  }
  return count;
}

/**
 * Applies every blob of an overlay in meta order.
 *
 * @example
 * const pkg = await openOverlayPackage('overlay.zip', { expectedBaseVmId });
 * await applyBlobs(pkg, applier);
 */
export async function applyBlobs(source: BlobSource, applier: ItemApplier, options: ApplyBlobOptions = {}): Promise<number> {
  let count = 0;
  for (const blob of source.meta.blobs) count += await applyBlob(source.readBlob(blob.name), blob, applier, options);
  return count;
}

async function* asAsync(pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* pieces;
}
