/**
 * The benchmark's input, built once per machine and cached under
 * /var/cache/cloudlet-tasks/bench/<DATASET_VERSION> (override the root with CLOUDLET_BENCH_CACHE).
 * The build goes to a temp directory renamed into place when complete, under a lock, so a killed
 * run never leaves a half-built dataset that a later run would take for a finished one.
 */
import { chmod, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { withBuildLock } from '../../fixtures/guest/index.js';
import { progress } from '../steps.js';
import { NO_LEVERS, type DatasetLevers } from './bench-guest.js';
import { buildDataset, DATASET_FILES, type DatasetManifest } from './build-dataset.js';

export { NO_LEVERS, type DatasetLevers } from './bench-guest.js';

/** Bump when anything that shapes the images changes (packages, working set, sizes, init). */
export const DATASET_VERSION = 'v2';
const CACHE_ROOT = process.env.CLOUDLET_BENCH_CACHE ?? '/var/cache/cloudlet-tasks/bench';

/** Absolute paths of the pair, plus how it was made and what changed. */
export interface Dataset {
  dir: string;
  /** Raw ext4 image. */
  baseDisk: string;
  /** Bare QEMU migration stream (QMP migrate to exec:cat). */
  baseMemory: string;
  /** qcow2 overlay whose backing file is baseDisk. */
  customDisk: string;
  customMemory: string;
  manifest: DatasetManifest;
}

/**
 * Returns the cached dataset, building it first (about 2 minutes) if needed; with levers, the variant
 * of the pair made with them, cached beside it (v2-trim, v2-reporting, v2-trim-hint, …).
 *
 * @example
 * const dataset = await ensureDataset();
 * console.log(dataset.manifest.facts.memory.changedPages);
 */
export async function ensureDataset(levers: DatasetLevers = NO_LEVERS): Promise<Dataset> {
  const dir = join(CACHE_ROOT, `${DATASET_VERSION}${levers.trim ? '-trim' : ''}${levers.balloon === 'none' ? '' : `-${levers.balloon}`}`);
  const cached = await readDataset(dir);
  if (cached) return cached;
  await mkdir(CACHE_ROOT, { recursive: true });
  return withBuildLock(`${dir}.flock`, async () => {
    const built = await readDataset(dir);
    if (built) return built;
    progress(`building the dataset into ${dir}`);
    const work = await mkdtemp(`${dir.replace(/[^/]+$/, '.$&')}-build-`);
    try {
      const manifest = await buildDataset(work, levers);
      await writeFile(join(work, 'dataset.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      await chmod(work, 0o755);
      await rename(work, dir);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    return (await readDataset(dir))!;
  });
}

async function readDataset(dir: string): Promise<Dataset | undefined> {
  let manifest: DatasetManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'dataset.json'), 'utf8')) as DatasetManifest;
  } catch {
    return undefined;
  }
  return {
    dir,
    baseDisk: join(dir, DATASET_FILES.baseDisk),
    baseMemory: join(dir, DATASET_FILES.baseMemory),
    customDisk: join(dir, DATASET_FILES.customDisk),
    customMemory: join(dir, DATASET_FILES.customMemory),
    manifest,
  };
}
