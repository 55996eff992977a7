/** Blob compression: items cut into bounded blobs, compressed in parallel on worker threads, and decompressed under a hard size cap. */
export { codecFor, resolveCodec, XZ_DECODER_MEMLIMIT, type Codec, type CodecChoice } from './codecs.js';
export { CodecPool } from './codec-pool.js';
export { compressItemBlobs, DEFAULT_BLOB_BYTES, type ItemBlob, type ItemBlobOptions } from './item-blobs.js';
export { decompressBlob, MAX_BLOB_UNCOMPRESSED, type DecompressBlobOptions } from './blob-decompress.js';
export { prefetchBlobs, type PrefetchedBlob, type PrefetchOptions, type PrefetchSource } from './prefetch-blobs.js';
export * from './errors.js';
