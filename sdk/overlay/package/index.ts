/** The VM overlay package, format v1: a stored zip of compressed blobs plus a versioned, checked overlay-meta, optionally signed (overlay-sig). */
export { createOverlayPackage, OverlayPackageWriter, type BlobDescription, type CreatePackageOptions } from './package-writer.js';
export { openOverlayPackage, OverlayPackage, DEFAULT_LIMITS, type OpenPackageOptions, type PackageLimits, type PackageSigner } from './package-reader.js';
export { decodeMeta, encodeMeta, chunkLimits, CHUNK_SIZE, META_FORMAT, META_VERSION, META_MEMBER, SIGNATURE_MEMBER, MAX_BLOBS, BLOB_CODECS, type BlobCodec, type BlobMeta, type OverlayMeta } from './meta.js';
export { rangesFromIndexes, normalizeRanges, countChunks, MAX_CHUNKS, type ChunkRange } from './chunk-ranges.js';
export { signMeta, decodeSignature, verifyMetaSignature, SIGNATURE_BYTES, type OverlaySignature } from './overlay-sig.js';
export { generateSigningKey, readSigningKey, readTrustedKeys, keyId, type OverlaySigningKey, type TrustedKey } from './signing-keys.js';
export * from './errors.js';
export * from './signature-errors.js';
