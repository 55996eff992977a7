/**
 * Builds the benchmark's base/customized VM pair into `work` (index.ts caches the result):
 *
 * 1. base disk: a 1 GiB sparse raw ext4 image of the Debian bookworm root filesystem (mkfs -d);
 * 2. base VM: boot the guest on it, read the working set (bench-init.ts) and save its memory;
 * 3. customized VM: resume the base memory on a qcow2 overlay of the base disk, extract the package
 *    tarball into the root filesystem, sync (with the trim lever: fstrim), settle, save its memory.
 *
 * 1 GiB, not more: `zstd --patch-from` keeps base and new image in one window, at most 2 GiB
 * (`--long=31`); on a 2 GiB disk it warned "Max window log exceeded" and lost most matches.
 */
import { rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { saveMemory, restoreMemory } from '../../fixtures/qemu/index.js';
import { installedQemuVersion } from '../../fixtures/guest/index.js';
import { ensureRootfs } from '../../fixtures/hosts/rootfs.js';
import { run, step } from '../steps.js';
import { launchBenchGuest, GUEST_MEMORY_MIB, type BenchGuest, type BenchGuestOptions, type DatasetLevers } from './bench-guest.js';
import { writeBenchInitrd, WORKING_SET } from './bench-init.js';
import { measureFacts, type DatasetFacts } from './facts.js';
import { buildPackageTarball, type PackageTarball } from './package-tarball.js';

export const DISK_SIZE = '1G';
/** A guest reports free pages 2 s after they pile up: every variant waits this long before its save. */
const SETTLE_MS = 5_000;
/** Booting, reading ~90 MB and extracting ~70 MB under TCG take tens of seconds; this is the hang limit. */
const GUEST_STEP_TIMEOUT_MS = 15 * 60_000;

/** Files of a dataset directory, relative to it (the qcow2 names its backing file relatively, too). */
export const DATASET_FILES = {
  baseDisk: 'base.raw',
  baseMemory: 'base.mem',
  customDisk: 'custom.qcow2',
  customMemory: 'custom.mem',
  packagesTar: 'packages.tar',
  initrd: 'initrd-bench.gz',
} as const;

/** dataset.json: how the pair was made, and its facts. */
export interface DatasetManifest {
  qemuVersion: string;
  kernelPackage: string;
  memoryMiB: number;
  diskSize: string;
  levers: DatasetLevers;
  workingSet: readonly string[];
  packages: PackageTarball;
  buildSeconds: number;
  facts: DatasetFacts;
}

/**
 * Builds every file of DATASET_FILES into the empty directory `work`.
 *
 * @example
 * const manifest = await buildDataset(await mkdtemp('/var/cache/cloudlet-tasks/bench/.v1-build-'));
 */
export async function buildDataset(work: string, levers: DatasetLevers): Promise<DatasetManifest> {
  const started = performance.now();
  const file = (name: keyof typeof DATASET_FILES) => join(work, DATASET_FILES[name]);
  const rootfs = await step('Debian root filesystem (cached by the host fixtures)', () => ensureRootfs());
  const packages = await step('package tarball (apt-get download, dpkg-deb -x, tar)', () =>
    buildPackageTarball(file('packagesTar'), join(work, 'packages-work')),
  );
  await step(`base disk (mkfs.ext4 -d into ${DISK_SIZE} sparse raw)`, async () => {
    await run('truncate', ['-s', DISK_SIZE, file('baseDisk')]);
    await run('mkfs.ext4', ['-q', '-F', '-d', rootfs, file('baseDisk')]);
  });
  const kernel = await writeBenchInitrd(file('initrd'), levers.balloon !== 'none');
  const guest = { kernel, workDir: work, packagesTar: file('packagesTar'), levers };

  await step('base VM: boot, read the working set, save memory', () =>
    inGuest({ ...guest, name: 'base', disk: { file: file('baseDisk'), format: 'raw' } }, async ({ vm }) => {
      await vm.waitForSerial(/^BENCH-BASE-READY$/, GUEST_STEP_TIMEOUT_MS);
      await saveMemory(vm.qmp, file('baseMemory'));
    }),
  );
  await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', DATASET_FILES.baseDisk, '-F', 'raw', DATASET_FILES.customDisk], { cwd: work });
  await step('customized VM: resume base, install packages, save memory', () =>
    inGuest({ ...guest, name: 'custom', disk: { file: file('customDisk'), format: 'qcow2' }, incoming: true }, async ({ vm, command }) => {
      await restoreMemory(vm.qmp, file('baseMemory'));
      await command('install');
      await vm.waitForSerial(/^BENCH-(INSTALLED|ERROR)/, GUEST_STEP_TIMEOUT_MS);
      if (levers.trim) {
        await command('trim');
        await vm.waitForSerial(/^BENCH-(TRIMMED|ERROR)/, GUEST_STEP_TIMEOUT_MS);
      }
      await sleep(SETTLE_MS);
      await saveMemory(vm.qmp, file('customMemory'));
    }),
  );
  const facts = await step('dataset facts (qemu-img map, page index of both snapshots)', () =>
    measureFacts({ baseDisk: file('baseDisk'), customDisk: file('customDisk'), baseMemory: file('baseMemory'), customMemory: file('customMemory') }),
  );
  return {
    qemuVersion: await installedQemuVersion(),
    kernelPackage: kernel.kernelPackage,
    memoryMiB: GUEST_MEMORY_MIB,
    diskSize: DISK_SIZE,
    levers,
    workingSet: WORKING_SET,
    packages,
    buildSeconds: Math.round((performance.now() - started) / 1000),
    facts,
  };
}

/** Runs `work` on a launched guest; fails on any BENCH-ERROR line; always quits QEMU and removes its sockets. */
async function inGuest(options: BenchGuestOptions, work: (guest: BenchGuest) => Promise<void>): Promise<void> {
  const guest = await launchBenchGuest(options);
  try {
    await work(guest);
    const errors = (await guest.vm.serialLines()).filter((line) => line.startsWith('BENCH-ERROR'));
    if (errors.length > 0) throw new Error(`the ${options.name} guest reported: ${errors.join('; ')}`);
  } finally {
    await guest.stop();
    await Promise.all(['qmp', 'cmd'].map((ext) => rm(join(options.workDir, `${options.name}.${ext}`), { force: true })));
  }
}
