import { deflateRawSync } from 'node:zlib';
import { loadXdelta, type Xdelta } from '../../../native/xdelta.js';
import { CHUNK_SIZE, type ItemBody } from '../items/index.js';
import { xorChunks } from './xor.js';

/** How a chunk that carries content may be written: a delta against the base chunk at its address, or raw only. */
export type DeltaAlgorithm = 'xdelta3' | 'xor' | 'none';

/** The bodies of items that carry content. */
export type ContentBody = Extract<ItemBody, { encoding: 'raw' | 'xdelta3' | 'xor' }>;

/**
 * Chooses between a delta and the raw chunk by what each is likely to cost once the blob is
 * compressed. The raw chunk's cost is estimated by deflate level 1 (~60 µs a chunk here); a patch
 * is taken only if it is smaller than that, because VCDIFF patches barely compress.
 *
 * Measured on 1500 real guest pages per class, xz -6 over the item stream (bytes of output):
 * | modification            | raw     | xor     | xdelta3 < 4 KiB | xdelta3 < estimate (chosen) |
 * |-------------------------|---------|---------|-----------------|-----------------------------|
 * | 1–16 bytes changed      | 2686180 | 12848   | 7452            | 7452                        |
 * | 1–4 runs of 8–256 bytes | 2550972 | 4816    | 1784            | 1784                        |
 * | rewritten (library code)| 2015112 | 4880852 | 2531692         | 2019712                     |
 * | a third of each         | 2569204 | 1662560 | 961136          | 798492                      |
 * | 162 real changed pages  | 50424   | 18796   | 17540           | 16476                       |
 * XOR never wins, so xdelta3 is the default; 'xor' and 'none' remain for comparisons.
 *
 * @example
 * const delta = await DeltaEncoder.create('xdelta3');
 * const body = delta.encode(newChunk, baseChunk); // { encoding: 'xdelta3', patch } or { encoding: 'raw', data }
 */
export class DeltaEncoder {
  readonly stats = { raw: 0, xdelta3: 0, xor: 0 };

  private constructor(readonly algorithm: DeltaAlgorithm, private readonly xdelta: Xdelta) {}

  static async create(algorithm: DeltaAlgorithm = 'xdelta3'): Promise<DeltaEncoder> {
    return new DeltaEncoder(algorithm, await loadXdelta());
  }

  /** The smallest-looking body for `data`; `base` is the base chunk at the same address, if the base has one. */
  encode(data: Buffer, base: Buffer | undefined): ContentBody {
    const body = base === undefined || this.algorithm === 'none' ? undefined : this.delta(data, base);
    const chosen: ContentBody = body ?? { encoding: 'raw', data };
    this.stats[chosen.encoding]++;
    return chosen;
  }

  private delta(data: Buffer, base: Buffer): ContentBody | undefined {
    const rawCost = deflateRawSync(data, { level: 1 }).length;
    if (this.algorithm === 'xor') {
      const mask = xorChunks(data, base);
      return deflateRawSync(mask, { level: 1 }).length < rawCost ? { encoding: 'xor', mask } : undefined;
    }
    const patch = this.xdelta.encode(data, base, Math.min(rawCost, CHUNK_SIZE) - 1);
    return patch === undefined || patch.length === 0 ? undefined : { encoding: 'xdelta3', patch };
  }
}
