/** The VM overlay package, format v1: a stored zip of compressed blobs plus a versioned, checked overlay-meta. */
export { createOverlayPackage, OverlayPackageWriter, type BlobDescription, type CreatePackageOptions } from './package-writer.js';
export { openOverlayPackage, OverlayPackage, DEFAULT_LIMITS, type OpenPackageOptions, type PackageLimits } from './package-reader.js';
export { decodeMeta, encodeMeta, chunkLimits, CHUNK_SIZE, META_FORMAT, META_VERSION, META_MEMBER, MAX_BLOBS, BLOB_CODECS, type BlobCodec, type BlobMeta, type OverlayMeta } from './meta.js';
export { rangesFromIndexes, normalizeRanges, countChunks, MAX_CHUNKS, type ChunkRange } from './chunk-ranges.js';
export * from './errors.js';
