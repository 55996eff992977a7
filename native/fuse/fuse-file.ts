/**
 * The edge to libfuse 2 through fuse-native: a FUSE file system of one read-only regular file,
 * whose reads a JavaScript callback answers. fuse-native runs libfuse's multithreaded loop and
 * hands each request to the Node main thread, so a read may stay pending (await a blob) while
 * others are answered. Two rules follow from that thread: the mounting process must never do
 * synchronous I/O on its own mount (it would deadlock), and no request may time out on its own
 * (fuse-native's default 15 s timeout would hand the guest ETIMEDOUT while a blob is on its way).
 * The file system is owned by root with the given group and modes, `allow_other` lets QEMU's user
 * in and `default_permissions` has the kernel check those modes. The file system's name carries
 * the serving process's pid, so a mount whose server died can be told apart (stale-mounts.ts).
 * Reads are `direct_io`: without it the kernel widens a read into readahead and, worse, takes a
 * short answer for the end of the file and hands zeros for the rest; with it each request is the
 * reader's own and blocks only on what that reader asked for. fuse-native has no option for it,
 * so it rides after the file system's name in the one `-o` list fuse-native builds.
 */
import { createRequire } from 'node:module';
import { loadAddon } from '../addon.js';
import { FUSE_FSNAME_PREFIX, FUSE_SUBTYPE } from './mount-name.js';
import { listOurMounts } from './stale-mounts.js';
import { FuseMountError } from './errors.js';

/** fuse-native's class, as little of it as is used here. */
interface FuseNative {
  new (mnt: string, ops: Record<string, unknown>, opts: Record<string, unknown>): FuseInstance;
  readonly EIO: number;
  readonly ENOENT: number;
  readonly EROFS: number;
}
interface FuseInstance {
  mount(cb: (error: Error | null) => void): void;
  unmount(cb: (error: Error | null) => void): void;
  readonly _thread: Buffer;
}


/** The one file a mount serves. */
export interface ServedFile {
  /** Its name in the mount's root. */
  name: string;
  size: number;
  /** Owner and group of the file and the root directory. */
  uid: number;
  gid: number;
  /** The file's permission bits (e.g. 0o440); the root directory gets the same plus search. */
  mode: number;
  /**
   * Fills `into` with up to `into.length` bytes at `position`; resolves the count (0 at the end).
   * A rejection fails the read with EIO.
   */
  read(position: number, into: Buffer): Promise<number>;
}

/** A mounted file: where it is, and how to take it down. */
export interface FuseFile {
  /** The mount point (a directory). */
  readonly dir: string;
  /** The served file's path inside it. */
  readonly path: string;
  unmount(): Promise<void>;
}

const fuse = (): FuseNative => loadAddon<FuseNative>('fuse-native');

/** Whether fuse-native loads here (it also needs libfuse.so.2: the `fuse` package). */
export function loadFuse(): void {
  fuse();
}

/**
 * Mounts `file` at the existing empty directory `dir`.
 *
 * @example const mounted = await mountFuseFile('/vm/lazy', { name: 'disk.raw', size, uid: 0, gid: 64055, mode: 0o440, read });
 */
export async function mountFuseFile(dir: string, file: ServedFile): Promise<FuseFile> {
  const Fuse = fuse();
  const now = new Date();
  const times = { mtime: now, atime: now, ctime: now };
  const rootMode = 0o40000 | file.mode | ((file.mode & 0o444) >> 2);
  const fileStat = { ...times, mode: 0o100000 | file.mode, size: file.size, uid: file.uid, gid: file.gid, nlink: 1 };
  const rootStat = { ...times, mode: rootMode, size: 4096, uid: file.uid, gid: file.gid, nlink: 2 };
  const name = `/${file.name}`;
  const ops = {
    readdir: (path: string, cb: (error: number, names?: string[]) => void) => (path === '/' ? cb(0, [file.name]) : cb(Fuse.ENOENT)),
    getattr: (path: string, cb: (error: number, stat?: object) => void) => (path === '/' ? cb(0, rootStat) : path === name ? cb(0, fileStat) : cb(Fuse.ENOENT)),
    open: (path: string, flags: number, cb: (error: number, fd?: number) => void) => {
      if (path !== name) return cb(Fuse.ENOENT);
      // O_WRONLY or O_RDWR: the image is read-only (the VM writes into its qcow2 layer).
      return (flags & 3) !== 0 ? cb(Fuse.EROFS) : cb(0, 1);
    },
    release: (_path: string, _fd: number, cb: (error: number) => void) => cb(0),
    read: (path: string, _fd: number, buffer: Buffer, length: number, position: number, cb: (result: number) => void) => {
      if (path !== name) return cb(Fuse.ENOENT);
      file.read(position, buffer.subarray(0, length)).then(cb, () => cb(Fuse.EIO));
    },
  };
  const instance = new Fuse(dir, ops, {
    timeout: false,
    allowOther: true,
    defaultPermissions: true,
    fsname: `${FUSE_FSNAME_PREFIX}${process.pid},direct_io`,
    subtype: FUSE_SUBTYPE,
  });
  await new Promise<void>((resolve, reject) => instance.mount((error) => (error ? reject(new FuseMountError(dir, error.message, { cause: error })) : resolve())));
  let down: Promise<void> | undefined;
  const unmount = async (): Promise<void> => {
    try {
      await new Promise<void>((resolve, reject) => instance.unmount((error) => (error ? reject(error) : resolve())));
    } catch (error) {
      // Taken down from outside (forceUnmount: `cloudlet destroy`, a sweep): fusermount finds
      // nothing, and fuse-native then skips releasing its loop handle, which would keep this
      // process alive for good. Release it as fuse-native's own unmount does.
      if ((await listOurMounts()).some((mount) => mount.dir === dir)) throw error;
      releaseLoop(instance, dir);
    }
  };
  return { dir, path: `${dir}/${file.name}`, unmount: () => (down ??= unmount()) };
}

/** fuse-native 2.2.6's native unmount (it only unrefs the loop handle), reached through its binding. */
function releaseLoop(instance: FuseInstance, dir: string): void {
  const fuseNative = createRequire(import.meta.url).resolve('fuse-native');
  const binding = createRequire(fuseNative)('node-gyp-build')(fuseNative.slice(0, fuseNative.lastIndexOf('/'))) as { fuse_native_unmount(mnt: string, thread: Buffer): void };
  binding.fuse_native_unmount(dir, instance._thread);
}
