/** The encode side of an overlay: each changed chunk becomes the cheapest item (nothing, a reference, a delta, or raw). */
export { ItemEncoder, type EncoderStats, type ItemEncoderParts, type OverlayChunk } from './item-encoder.js';
export { openItemEncoder, type BaseFiles, type HashedImage, type OpenedItemEncoder } from './open-item-encoder.js';
export * from './errors.js';
