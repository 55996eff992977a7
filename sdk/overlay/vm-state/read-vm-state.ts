import { decompressBlob } from '../compress/index.js';
import type { BlobMeta, OverlayMeta } from '../package/index.js';
import { MissingVmStateError } from './errors.js';
import { decodeVmState, MAX_VM_STATE_BYTES, type VmState } from './vm-state.js';

/**
 * Reads the overlay's VM state record (from an OverlayPackage or a StreamedOverlayPackage): its first blob, which must claim no chunks. The blob is
 * verified (SHA-256) and decompressed under the record's size cap before it is decoded.
 *
 * @example const { state, itemBlobs } = await readVmState(pkg);
 */
export async function readVmState(pkg: { meta: OverlayMeta; readBlob(name: string): AsyncIterable<Uint8Array> }): Promise<{ state: VmState; itemBlobs: BlobMeta[] }> {
  const [first, ...itemBlobs] = pkg.meta.blobs;
  if (first === undefined) throw new MissingVmStateError(null);
  if (first.disk.length > 0 || first.memory.length > 0) throw new MissingVmStateError(first.name);
  const pieces: Buffer[] = [];
  for await (const piece of decompressBlob(pkg.readBlob(first.name), { ...first, limit: MAX_VM_STATE_BYTES })) pieces.push(piece);
  return { state: decodeVmState(Buffer.concat(pieces)), itemBlobs };
}
