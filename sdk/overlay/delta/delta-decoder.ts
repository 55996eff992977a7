import { loadXdelta, type Xdelta } from '../../../native/xdelta.js';
import { CHUNK_SIZE } from '../items/index.js';
import type { ContentBody } from './delta-encoder.js';
import { xorChunks } from './xor.js';

/**
 * Turns a content-bearing item body back into its 4096 bytes; deltas apply to `base`, the base chunk
 * at the item's own address. A patch that fails or yields another length throws XdeltaError.
 *
 * @example
 * const delta = await DeltaDecoder.create();
 * const chunk = delta.decode({ encoding: 'xdelta3', patch }, baseChunk);
 */
export class DeltaDecoder {
  private constructor(private readonly xdelta: Xdelta) {}

  static async create(): Promise<DeltaDecoder> {
    return new DeltaDecoder(await loadXdelta());
  }

  /** Whether `body` needs the base chunk at its address. */
  static needsBase(body: ContentBody): boolean {
    return body.encoding !== 'raw';
  }

  decode(body: ContentBody, base: Buffer | undefined): Buffer {
    if (body.encoding === 'raw') return body.data;
    if (base === undefined || base.length !== CHUNK_SIZE) throw new RangeError(`${body.encoding} item without a ${CHUNK_SIZE}-byte base chunk`);
    return body.encoding === 'xor' ? xorChunks(body.mask, base) : this.xdelta.decode(body.patch, base, CHUNK_SIZE);
  }
}
