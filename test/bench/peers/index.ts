/**
 * Runs the peers one after the other on the dataset (never in parallel: the machine has two cores
 * and the timings are the point), each in a scratch directory removed as soon as it is done.
 * CLOUDLET_BENCH_PEERS=xz9,zstd (ids from PEERS) runs only those, e.g. while working on ours.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dataset } from '../dataset/index.js';
import { run, step } from '../steps.js';
import { measure, NOTHING_MEASURED, requireGnuTime, type Measurement } from './measure.js';
import type { Peer, PeerResult } from './peer.js';
import { xdeltaPeer, zstdPeer } from './delta-peers.js';
import { xz9Peer, xzT0Peer } from './xz.js';

export { XZ_T0_6_ID } from './xz.js';
export type { PeerResult } from './peer.js';

export const PEERS: readonly Peer[] = [xz9Peer, xzT0Peer, zstdPeer, xdeltaPeer];

export interface PeerRuns {
  results: PeerResult[];
  /** `qemu-img convert` of the customized qcow2 to raw, done once for the whole-image peers (not in their times). */
  rawConversion: Measurement;
}

/**
 * Runs the selected peers; `scratchRoot` gets a temporary directory that is always removed.
 *
 * @example
 * const { results } = await runPeers(await ensureDataset(), '/var/tmp');
 */
export async function runPeers(dataset: Dataset, scratchRoot: string): Promise<PeerRuns> {
  await requireGnuTime();
  const peers = selectedPeers();
  const scratch = await mkdtemp(join(scratchRoot, 'cloudlet-bench-'));
  const removeScratch = () => rm(scratch, { recursive: true, force: true });
  // Peers write GiBs into the scratch directory: an interrupted run must not leave them behind.
  const onSignal = (signal: NodeJS.Signals) => void removeScratch().finally(() => process.kill(process.pid, signal));
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    const customRawDisk = join(scratch, 'custom.raw');
    let rawConversion = NOTHING_MEASURED;
    if (peers.some((peer) => peer.needsRawDisk)) {
      rawConversion = await step('qemu-img convert custom.qcow2 -> raw (for the whole-image peers)', () =>
        measure(scratch, 'qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', dataset.customDisk, customRawDisk]),
      );
    }
    const results: PeerResult[] = [];
    for (const peer of peers) {
      const work = join(scratch, peer.id);
      await mkdir(work);
      results.push(await step(`peer ${peer.label}`, () => peer.run({ dataset, customRawDisk, work })));
      await rm(work, { recursive: true, force: true });
    }
    return { results, rawConversion };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await removeScratch();
  }
}

function selectedPeers(): readonly Peer[] {
  const wanted = process.env.CLOUDLET_BENCH_PEERS?.split(',').map((id) => id.trim()).filter((id) => id !== '');
  if (!wanted) return PEERS;
  const unknown = wanted.filter((id) => !PEERS.some((peer) => peer.id === id));
  if (unknown.length > 0) throw new Error(`CLOUDLET_BENCH_PEERS: unknown ${unknown.join(', ')}; known: ${PEERS.map((peer) => peer.id).join(', ')}`);
  return PEERS.filter((peer) => wanted.includes(peer.id));
}

/** The peers' tool versions, printed with the table: peers' numbers move between releases. */
export async function toolVersions(): Promise<string[]> {
  const commands = ['xz --version', 'zstd --version', 'xdelta3 -V 2>&1', 'qemu-img --version'];
  const firstLine = async (command: string) => (await run('sh', ['-c', command])).split('\n')[0]!;
  // "*** Zstandard CLI (64-bit) v1.5.4, by Yann Collet ***" -> "Zstandard CLI (64-bit) v1.5.4"
  return Promise.all(commands.map(async (command) => (await firstLine(command)).replace(/^\W+/, '').split(',')[0]!.trim()));
}
