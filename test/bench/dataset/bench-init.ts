/**
 * The benchmark guest: the test guest's kernel and initramfs (test/fixtures/guest) plus one more
 * cpio archive appended to the initramfs, holding /bench-init, started with `rdinit=/bench-init`.
 * The kernel unpacks concatenated archives in order, so the fixture's busybox and modules are reused
 * as they are and its /init stays untouched.
 *
 * Serial protocol (ttyS0, a file):
 *   BENCH-MOUNTED        /dev/vda (ext4, the Debian root filesystem) is mounted on /mnt
 *   BENCH-BASE-READY     the working set of a used system is in the page cache, the disk synced;
 *                        init now waits for commands, one per line, on ttyS1 (a socket on the host)
 *   BENCH-INSTALLED      command `install` done: the tar on /dev/vdb extracted into /mnt, synced
 *   BENCH-TRIMMED        command `trim` done: fstrim of /mnt (the levers' discard run)
 *   BENCH-ERROR <what>   something failed
 * A command arrives after the VM was saved and restored: the base snapshot is taken while init
 * blocks on ttyS1, and the customized VM is that snapshot resumed and told to install.
 */
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTestGuest, GuestBuildError, initPreamble } from '../../fixtures/guest/index.js';
import { run } from '../steps.js';

export const BENCH_INIT_NAME = 'bench-init';

/** Directories of the root filesystem the base VM reads whole: its programs and libraries. */
export const WORKING_SET = ['usr/bin', 'usr/sbin', 'usr/lib'] as const;

export const BENCH_INIT = `${initPreamble('BENCH-ERROR')}[ -e /lib/modules/virtio_balloon.ko ] && { insmod /lib/modules/virtio_balloon.ko || echo "BENCH-ERROR insmod virtio_balloon"; }
i=0
while { [ ! -b /dev/vda ] || [ ! -b /dev/vdb ]; } && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
if mount -t ext4 /dev/vda /mnt; then echo BENCH-MOUNTED; else echo "BENCH-ERROR mount /dev/vda"; fi
find ${WORKING_SET.map((dir) => `/mnt/${dir}`).join(' ')} -type f -print0 | xargs -0 cat >/dev/null || echo "BENCH-ERROR read working set"
sync
stty -F /dev/ttyS1 -echo
echo BENCH-BASE-READY
while :; do
  read -r command </dev/ttyS1 || { sleep 1; continue; }
  case "$command" in
    install)
      if tar -xf /dev/vdb -C /mnt && sync; then echo BENCH-INSTALLED; else echo "BENCH-ERROR install"; fi ;;
    trim)
      if fstrim -v /mnt; then echo BENCH-TRIMMED; else echo "BENCH-ERROR trim"; fi ;;
    *) echo "BENCH-ERROR unknown command $command" ;;
  esac
done
`;

export interface BenchKernel {
  kernel: string;
  initrd: string;
  kernelPackage: string;
}

/**
 * Writes the benchmark initramfs to `initrd` (the cached test guest's initrd.gz + bench-init, and
 * with `balloon` the kernel's virtio_balloon.ko) and returns the kernel to boot it with.
 *
 * @example
 * const { kernel, initrd } = await writeBenchInitrd(join(dir, 'initrd-bench.gz'));
 */
export async function writeBenchInitrd(initrd: string, balloon = false): Promise<BenchKernel> {
  const guest = await buildTestGuest();
  const staging = await mkdtemp(`${initrd}.staging-`);
  try {
    await writeFile(join(staging, BENCH_INIT_NAME), BENCH_INIT, { mode: 0o755 });
    const listing = join(staging, 'listing');
    await writeFile(listing, `${BENCH_INIT_NAME}\n${balloon ? `${await addBalloonModule(guest.kernelPackage, staging)}\n` : ''}`);
    const archive = join(staging, 'bench.cpio');
    await run('cpio', ['-o', '-H', 'newc', '-R', '0:0', '--quiet'], { cwd: staging, stdinFile: listing, stdoutFile: archive });
    await writeFile(initrd, Buffer.concat([await readFile(guest.initrd), gzipSync(await readFile(archive))]));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { kernel: guest.kernel, initrd, kernelPackage: guest.kernelPackage };
}

/** Extracts virtio_balloon.ko from the guest's kernel package into `staging`/lib/modules; returns its cpio path. */
async function addBalloonModule(kernelPackage: string, staging: string): Promise<string> {
  const debs = join(staging, 'debs');
  await mkdir(debs);
  await run('apt-get', ['download', kernelPackage], { cwd: debs });
  const deb = (await readdir(debs)).find((name) => name.endsWith('.deb'));
  if (!deb) throw new GuestBuildError('apt-get download', `no ${kernelPackage} package appeared`);
  await run('dpkg', ['-x', join(debs, deb), join(debs, 'x')]);
  const found = (await readdir(join(debs, 'x', 'lib/modules'), { recursive: true })).find((path) => path.endsWith('/virtio_balloon.ko'));
  if (!found) throw new GuestBuildError('modules', `virtio_balloon.ko not in ${deb}`);
  await mkdir(join(staging, 'lib/modules'), { recursive: true });
  await copyFile(join(debs, 'x', 'lib/modules', found), join(staging, 'lib/modules/virtio_balloon.ko'));
  return 'lib/modules/virtio_balloon.ko';
}
