/** How our FUSE mounts are named, so /proc/self/mountinfo tells them (and their server's pid) apart. */
export const FUSE_SUBTYPE = 'cloudlet';
export const FUSE_FSNAME_PREFIX = 'cloudlet-lazy-disk:';
