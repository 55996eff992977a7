export { loadFuse, mountFuseFile, type FuseFile, type ServedFile } from './fuse-file.js';
export { FUSE_SUBTYPE } from './mount-name.js';
export { forceUnmount, listOurMounts, parseOurMounts, sweepStaleMounts, type OurFuseMount } from './stale-mounts.js';
export { FuseMountError, FuseUnmountError } from './errors.js';
