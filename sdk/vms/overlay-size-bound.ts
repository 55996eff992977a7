/**
 * The most bytes an overlay of a given base can hold, so a download from a URL stops there rather
 * than at a flat cap. The base record declares the disk and memory sizes; an overlay claims each
 * disk chunk and memory page at most once (the meta's rule), an item is at most a 16-byte header
 * and a 4096-byte chunk, and xz and zstd grow incompressible data by far less than 1/64 plus a
 * frame. To that come the VM state record, the meta and the signature at their limits, and each
 * zip member's headers.
 */
import { CHUNK_SIZE } from '../image/disk/chunk.js';
import { END_RECORD_BYTES, ITEM_HEADER_BYTES, STREAM_HEADER_BYTES } from '../overlay/items/item-format.js';
import { DEFAULT_LIMITS, MAX_BLOBS, SIGNATURE_BYTES } from '../overlay/package/index.js';
import { MAX_VM_STATE_BYTES } from '../overlay/vm-state/index.js';

/** Codec frame bytes allowed per blob (headers, index, footer). */
const FRAME_BYTES = 4096;
/** Zip bytes per member: local header, ZIP64 extra fields, central directory entry, name twice. */
const ZIP_MEMBER_BYTES = 2048;

/**
 * @example overlaySizeBound({ diskSize: 8 << 30, memory: { pages: 262144 } }) // ≈ 9.3 GiB
 */
export function overlaySizeBound(base: { diskSize: number; memory: { pages: number } }): number {
  const chunks = base.diskSize / CHUNK_SIZE + base.memory.pages;
  const items = chunks * (ITEM_HEADER_BYTES + CHUNK_SIZE) + MAX_BLOBS * (STREAM_HEADER_BYTES + END_RECORD_BYTES);
  const blobs = Math.ceil((items + MAX_VM_STATE_BYTES) * (1 + 1 / 64)) + MAX_BLOBS * FRAME_BYTES;
  return blobs + DEFAULT_LIMITS.maxMetaBytes + SIGNATURE_BYTES + DEFAULT_LIMITS.maxMembers * ZIP_MEMBER_BYTES;
}
