/**
 * What every synthesis checks before it writes a byte: that the overlay was made for a disk and a
 * RAM of the base's sizes and RAM block layout, and that a libvirt save image has the domain XML
 * its header needs. Shared by the full synthesis and early start (sdk/early-start).
 */
import { stat } from 'node:fs/promises';
import { openMemorySnapshot, PageLayout } from '../image/memory/index.js';
import { ChunkSet } from '../overlay/apply/index.js';
import { readVmState } from '../overlay/vm-state/index.js';
import type { BlobMeta } from '../overlay/package/index.js';
import { DomainXmlRequiredError, OverlaySizeError } from './errors.js';
import type { OpenedOverlay } from './synthesize.js';

/** The overlay's VM state and item blobs, and the base's RAM layout they fit. */
export type FittedOverlay = Awaited<ReturnType<typeof readVmState>> & { layout: PageLayout };

/** Reads the overlay's VM state and checks it against the base; OverlaySizeError, DomainXmlRequiredError or the layout's own error otherwise. */
export async function fitOverlayToBase(pkg: OpenedOverlay, base: { disk: string; memory: string }, domainXml: string | undefined): Promise<FittedOverlay> {
  const { meta } = pkg;
  const vmState = await readVmState(pkg);
  const baseDiskBytes = (await stat(base.disk)).size;
  if (meta.diskSize !== baseDiskBytes) throw new OverlaySizeError('disk', meta.diskSize, baseDiskBytes);
  const layout = await snapshotLayout(base.memory);
  layout.assertSame(vmState.state.header.blocks);
  if (meta.memorySize !== layout.bytes) throw new OverlaySizeError('memory', meta.memorySize, layout.bytes);
  if (vmState.state.libvirt !== null && domainXml === undefined) throw new DomainXmlRequiredError();
  return { ...vmState, layout };
}

/** The chunks of one kind the blobs claim to hold. */
export function claimedChunks(blobs: readonly BlobMeta[], kind: 'disk' | 'memory'): ChunkSet {
  const set = new ChunkSet();
  for (const blob of blobs) for (const { first, count } of blob[kind]) for (let i = first; i < first + count; i++) set.add(i);
  return set;
}

/** The RAM block layout from a snapshot's header (the pages themselves are not read). */
async function snapshotLayout(path: string): Promise<PageLayout> {
  const { stream } = await openMemorySnapshot(path);
  try {
    return new PageLayout(stream.header.blocks);
  } finally {
    stream.close();
  }
}
