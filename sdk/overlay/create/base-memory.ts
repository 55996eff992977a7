/**
 * A base VM's memory in the form dedup and delta address it: a flat page file (page n of the
 * PageLayout at byte n·4096, absent and zero pages left as holes) and its hash list in the disk
 * hash-list format. Made once per snapshot and cached: `<name>.pages`, `<name>.pages.hashes` and
 * the manifest `<name>.pages.json` (written last, so its presence means the other two are whole),
 * which records the block layout and the snapshot file the cache was made from: its inode, size,
 * mtime and ctime. mtime alone can be set back (touch -d, cp -p); ctime cannot, and any write or
 * replacement of the snapshot changes it, so a stale cache is never taken for a fresh one.
 */
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { placeFile, writePrivateFile } from '../../files/index.js';
import { writeHashList } from '../../image/disk/index.js';
import { PageLayout, writeFlatPages, type RamBlock } from '../../image/memory/index.js';

export interface BaseMemory {
  /** The flat page file. */
  pages: string;
  /** Its hash list. */
  hashes: string;
  layout: PageLayout;
}

interface Manifest {
  version: 2;
  snapshot: SnapshotIdentity;
  blocks: RamBlock[];
}

/**
 * Returns the flat page file and hash list of the memory snapshot at `snapshotPath` (a libvirt save
 * image or a bare stream), building them in `outDir` unless a cache there matches the snapshot.
 *
 * @example const { pages, hashes, layout } = await prepareBaseMemory('/vm/base.mem', '/vm');
 */
export async function prepareBaseMemory(snapshotPath: string, outDir: string): Promise<BaseMemory> {
  const name = basename(snapshotPath);
  const paths = { pages: join(outDir, `${name}.pages`), hashes: join(outDir, `${name}.pages.hashes`), manifest: join(outDir, `${name}.pages.json`) };
  const identity = await snapshotIdentity(snapshotPath);
  const cached = await readManifest(paths.manifest);
  if (cached && JSON.stringify(cached.snapshot) === JSON.stringify(identity)) {
    return { pages: paths.pages, hashes: paths.hashes, layout: new PageLayout(cached.blocks) };
  }
  await mkdir(outDir, { recursive: true });
  // A stale cache and what an interrupted build left go first: the new files are created, never reused.
  const partials = { pages: `${paths.pages}.partial`, manifest: `${paths.manifest}.partial` };
  for (const path of [paths.manifest, paths.pages, paths.hashes, partials.pages, partials.manifest]) await rm(path, { force: true });
  try {
    const { layout } = await writeFlatPages(snapshotPath, partials.pages);
    await placeFile(partials.pages, paths.pages);
    await writeHashList(paths.pages, paths.hashes);
    const manifest: Manifest = { version: 2, snapshot: identity, blocks: [...layout.blocks] };
    await writePrivateFile(partials.manifest, `${JSON.stringify(manifest)}\n`);
    await placeFile(partials.manifest, paths.manifest);
    return { pages: paths.pages, hashes: paths.hashes, layout };
  } finally {
    await rm(partials.pages, { force: true });
    await rm(partials.manifest, { force: true });
  }
}

interface SnapshotIdentity {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

async function snapshotIdentity(path: string): Promise<SnapshotIdentity> {
  const { ino, size, mtimeMs, ctimeMs } = await stat(path);
  return { ino, size, mtimeMs, ctimeMs };
}

async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(await readFile(path, 'utf8')) as Manifest;
    return manifest.version === 2 ? manifest : undefined;
  } catch {
    return undefined;
  }
}
