/**
 * What every peer is: a tool that turns the customized VM (disk + memory) into something to ship,
 * and back. A peer's synthesis output is compared byte for byte with the customized images after
 * the timed part, so a fast peer that rebuilt the wrong thing fails instead of winning.
 */
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Dataset } from '../dataset/index.js';
import { run } from '../steps.js';
import type { Measurement } from './measure.js';

export interface PeerInput {
  dataset: Dataset;
  /** The customized disk as a full raw image (qemu-img convert of the qcow2), for the whole-image peers. */
  customRawDisk: string;
  /** An empty scratch directory of this peer's own. */
  work: string;
}

export interface PeerResult {
  /** Short id, also the name to select it with CLOUDLET_BENCH_PEERS. */
  id: string;
  label: string;
  /** Bytes of everything shipped: the disk part plus the memory part. */
  sizeBytes: number;
  diskBytes: number;
  memoryBytes: number;
  create: Measurement;
  synth: Measurement;
}

export interface Peer {
  id: string;
  /** The command line as the table shows it. */
  label: string;
  /** Whether it works on the raw customized disk (which then has to be made once). */
  needsRawDisk: boolean;
  run(input: PeerInput): Promise<PeerResult>;
}

/** The shipped size of a peer whose output is one disk file and one memory file. */
export async function shippedSize(diskFile: string, memoryFile: string): Promise<Pick<PeerResult, 'sizeBytes' | 'diskBytes' | 'memoryBytes'>> {
  const [disk, memory] = await Promise.all([stat(diskFile), stat(memoryFile)]);
  return { sizeBytes: disk.size + memory.size, diskBytes: disk.size, memoryBytes: memory.size };
}

export class PeerMismatchError extends Error {
  override name = 'PeerMismatchError';
  constructor(
    readonly peer: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${peer}: synthesis output ${actual} differs from ${expected}`);
  }
}

/** Throws PeerMismatchError unless the files have the same bytes (`cmp`, not timed). */
export async function assertSameBytes(peer: string, expected: string, actual: string): Promise<void> {
  try {
    await run('cmp', ['-s', expected, actual]);
  } catch {
    throw new PeerMismatchError(peer, basename(expected), actual);
  }
}
