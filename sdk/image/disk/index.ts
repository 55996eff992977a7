/** Disk images in 4 KiB chunks: what a customized disk changed against its base, and base hash lists. */
export { diskChanges, type DiskChange, type DiskChangesSource } from './chunk-reader.js';
export { writeHashList, readHashList, readHashListHeader, type HashListHeader } from './hash-list.js';
export { Qcow2LayerWriter, LAYER_CLUSTER_SIZE, type Qcow2LayerOptions } from './qcow2-layer-writer.js';
export { imageInfo, mapExtents, qemuImg, type ImageFormat, type ImageInfo, type MapExtent } from './qemu-img.js';
export { CHUNK_SIZE, chunkCount, type ChunkRange } from './chunk.js';
export * from './errors.js';
