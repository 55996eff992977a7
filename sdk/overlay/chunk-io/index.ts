/** 4 KiB chunks by index: the contract overlay code reads bases and writes synthesized images through. */
export { CHUNK_SIZE, NO_CHUNKS, type ChunkReader, type ChunkStore, type MemoryPage } from './chunk-store.js';
export { ChunkFile } from './chunk-file.js';
export * from './errors.js';
