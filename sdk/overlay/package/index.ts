/** The VM overlay package, format v2: a stored zip of a versioned, checked overlay-meta, optionally signed (overlay-sig), then the compressed blobs; read from a file or as it streams. */
export { createOverlayPackage, OverlayPackageWriter, type BlobDescription, type CreatePackageOptions } from './package-writer.js';
export { openOverlayStream, StreamedOverlayPackage, type OpenStreamOptions } from './package-stream.js';
export { openOverlayPackage, OverlayPackage, DEFAULT_LIMITS, type OpenPackageOptions, type PackageLimits, type PackageSigner } from './package-reader.js';
export { decodeMeta, encodeMeta, metaVersion, chunkLimits, CHUNK_SIZE, META_FORMAT, META_VERSION, META_VERSIONS, META_MEMBER, SIGNATURE_MEMBER, MAX_BLOBS, BLOB_CODECS, type BlobCodec, type BlobMeta, type OverlayMeta } from './meta.js';
export { rangesFromIndexes, normalizeRanges, countChunks, MAX_CHUNKS, type ChunkRange } from './chunk-ranges.js';
export { signMeta, decodeSignature, verifyMetaSignature, SIGNATURE_BYTES, type OverlaySignature } from './overlay-sig.js';
export { generateSigningKey, readSigningKey, readTrustedKeys, keyId, type OverlaySigningKey, type TrustedKey } from './signing-keys.js';
export * from './errors.js';
export * from './signature-errors.js';
export * from './stream-errors.js';
