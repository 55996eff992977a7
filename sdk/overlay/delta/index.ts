/** Deltas of a chunk against the base chunk at the same address: chosen when they compress smaller, and applied. */
export { DeltaEncoder, type ContentBody, type DeltaAlgorithm } from './delta-encoder.js';
export { DeltaDecoder } from './delta-decoder.js';
export { xorChunks } from './xor.js';
export { XdeltaError } from '../../../native/xdelta.js';
