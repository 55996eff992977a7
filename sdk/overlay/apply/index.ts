/** The decode side of an overlay: blobs decompressed under a cap, items checked and applied to the images being rebuilt. */
export { ItemApplier, type ItemApplierParts } from './item-applier.js';
export { applyBlob, applyBlobs, applyItems, type ApplyBlobOptions, type BlobSource } from './apply-blobs.js';
export { ChunkSet } from './chunk-set.js';
export * from './errors.js';
