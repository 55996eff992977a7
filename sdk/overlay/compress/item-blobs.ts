import { ItemStreamWriter, type EncodedItemStream, type OverlayItem } from '../items/index.js';
import type { BlobCodec, ChunkRange } from '../package/index.js';
import { resolveCodec, type CodecChoice } from './codecs.js';
import { CodecPool } from './codec-pool.js';

/** Default uncompressed bytes per blob. */
export const DEFAULT_BLOB_BYTES = 8 << 20;

/** A compressed blob ready for OverlayPackageWriter.addBlob, with what its meta entry needs. */
export interface ItemBlob {
  data: Buffer;
  codec: BlobCodec;
  uncompressedSize: number;
  items: number;
  disk: ChunkRange[];
  memory: ChunkRange[];
}

export interface ItemBlobOptions {
  /** Uncompressed bytes per blob, header and end record included; default 8 MiB. */
  maxBlobBytes?: number;
  /** Default xz at its default level. */
  codec?: { codec: BlobCodec; level?: number };
  /** Shared pool; without one a pool of availableParallelism() workers is made and closed here. */
  pool?: CodecPool;
  /**
   * Start a new blob at a disk chunk that follows a memory page (createOverlay's items are
   * all pages, then all chunks): early start resumes the VM once the last blob holding pages is
   * in, and that blob then carries none of the disk. Default false.
   */
  splitAtDisk?: boolean;
}

/**
 * Cuts a stream of items into blobs of bounded uncompressed size and compresses them in parallel,
 * yielding them in item order (so a self reference always points into the same or an earlier
 * blob). At most pool size + 1 blobs are in flight; the item source is not read further until
 * the oldest is handed out, so memory stays at a few blobs however large the overlay.
 *
 * @example
 * for await (const blob of compressItemBlobs(items, { codec: { codec: 'xz', level: 6 } })) {
 *   await writer.addBlob(blob.data, blob);
 * }
 */
export async function* compressItemBlobs(items: AsyncIterable<OverlayItem>, options: ItemBlobOptions = {}): AsyncGenerator<ItemBlob> {
  const choice = resolveCodec(options.codec ?? { codec: 'xz' });
  const maxBlobBytes = options.maxBlobBytes ?? DEFAULT_BLOB_BYTES;
  const pool = options.pool ?? new CodecPool();
  const inFlight: Promise<ItemBlob>[] = [];
  const launch = (stream: EncodedItemStream) => {
    const blob = compressStream(stream, choice, pool);
    blob.catch(() => undefined); // awaited in order below; this only keeps a later failure from being "unhandled" meanwhile
    inFlight.push(blob);
  };
  try {
    let writer = new ItemStreamWriter(maxBlobBytes);
    let previous: OverlayItem['kind'] | undefined;
    for await (const item of items) {
      const chunksAfterPages = options.splitAtDisk === true && previous === 'memory' && item.kind === 'disk';
      previous = item.kind;
      if (!writer.fits(item) || chunksAfterPages) {
        launch(writer.finish());
        writer = new ItemStreamWriter(maxBlobBytes);
        if (inFlight.length > pool.size) yield await inFlight.shift()!;
      }
      writer.add(item);
    }
    if (writer.count > 0) launch(writer.finish());
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    if (options.pool === undefined) await pool.close();
  }
}

async function compressStream(stream: EncodedItemStream, choice: CodecChoice, pool: CodecPool): Promise<ItemBlob> {
  const data = choice.codec === 'none' ? stream.bytes : await pool.compress(stream.bytes, choice);
  return { data, codec: choice.codec, uncompressedSize: stream.bytes.length, items: stream.items, ...stream.claims };
}
