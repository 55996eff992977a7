/** Errors of the FUSE edge. */
import { CloudletError } from '../../sdk/errors/cloudlet-error.js';

/** libfuse refused to mount (no /dev/fuse, no fusermount, or the directory is in use). */
export class FuseMountError extends CloudletError {
  static override readonly code: string = 'native-fuse-mount-failed';
  constructor(readonly dir: string, readonly reason: string, options?: ErrorOptions) {
    super(`could not mount the lazy disk at ${dir}: ${reason} (cloudlet doctor checks FUSE: /dev/fuse, the fuse package's fusermount, fuse-native)`, options);
  }
}

/** A mount of ours could not be taken down, even by aborting its connection. */
export class FuseUnmountError extends CloudletError {
  static override readonly code: string = 'native-fuse-unmount-failed';
  constructor(readonly dir: string, readonly reason: string, options?: ErrorOptions) {
    super(`could not unmount the lazy disk at ${dir}: ${reason}; as root: echo 1 > /sys/fs/fuse/connections/<N>/abort (N: the minor device number in /proc/self/mountinfo), then umount -l ${dir}`, options);
  }
}
