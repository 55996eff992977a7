export { loadFuse, mountFuseFile, FUSE_SUBTYPE, type FuseFile, type ServedFile } from './fuse-file.js';
export { forceUnmount, listOurMounts, parseOurMounts, sweepStaleMounts, type OurFuseMount } from './stale-mounts.js';
export { FuseMountError, FuseUnmountError } from './errors.js';
