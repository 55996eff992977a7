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
 *   BENCH-ERROR <what>   something failed
 * A command arrives after the VM was saved and restored: the base snapshot is taken while init
 * blocks on ttyS1, and the customized VM is that snapshot resumed and told to install.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildTestGuest, initPreamble } from '../../fixtures/guest/index.js';
import { run } from '../steps.js';

export const BENCH_INIT_NAME = 'bench-init';

/** Directories of the root filesystem the base VM reads whole: its programs and libraries. */
export const WORKING_SET = ['usr/bin', 'usr/sbin', 'usr/lib'] as const;

export const BENCH_INIT = `${initPreamble('BENCH-ERROR')}i=0
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
 * Writes the benchmark initramfs to `initrd` (the cached test guest's initrd.gz + bench-init) and
 * returns the kernel to boot it with.
 *
 * @example
 * const { kernel, initrd } = await writeBenchInitrd(join(dir, 'initrd-bench.gz'));
 */
export async function writeBenchInitrd(initrd: string): Promise<BenchKernel> {
  const guest = await buildTestGuest();
  const staging = await mkdtemp(`${initrd}.staging-`);
  try {
    await writeFile(join(staging, BENCH_INIT_NAME), BENCH_INIT, { mode: 0o755 });
    const listing = join(staging, 'listing');
    await writeFile(listing, `${BENCH_INIT_NAME}\n`);
    const archive = join(staging, 'bench.cpio');
    await run('cpio', ['-o', '-H', 'newc', '-R', '0:0', '--quiet'], { cwd: staging, stdinFile: listing, stdoutFile: archive });
    await writeFile(initrd, Buffer.concat([await readFile(guest.initrd), gzipSync(await readFile(archive))]));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return { kernel: guest.kernel, initrd, kernelPackage: guest.kernelPackage };
}
