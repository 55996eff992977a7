/** Early start: a synthesized VM runs while its overlay's disk blobs are still arriving. */
export { DemandQueue } from './demand-queue.js';
export { DiskSources, type ChunkSource, type SourceRun } from './disk-sources.js';
export { LazyDisk, type LazyDiskParts } from './lazy-disk.js';
export { mountLazyDisk, IMAGE_MODE, type LazyDiskInput, type MountedLazyDisk } from './lazy-disk-mount.js';
export { LazyDiskFailedError } from './errors.js';
export { synthesizeEarly, type EarlySynthesisInput, type EarlySynthesis, type EarlyDiskStats } from './early-synthesize.js';
export { earlyStartVm, type EarlyStartOptions, type EarlyStartedVm } from './early-start-vm.js';
