/** Overlay items, format v1: the records inside an overlay blob, written and read as a checked stream. */
export {
  addressKey,
  CHUNK_SIZE,
  ENCODINGS,
  ITEM_KINDS,
  ITEM_VERSION,
  MAX_STREAM_ITEMS,
  PAYLOAD_LENGTHS,
  type Encoding,
  type ItemAddress,
  type ItemBody,
  type ItemKind,
  type ItemLimits,
  type OverlayItem,
} from './item-format.js';
export { ItemStreamWriter, MIN_STREAM_CAPACITY, type EncodedItemStream } from './item-writer.js';
export { decodeItems, type DecodedItem, type DecodeItemsOptions } from './item-reader.js';
export * from './errors.js';
