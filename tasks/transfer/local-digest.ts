// SHA-256 of the local file, read as few times as possible: the whole file's digest is computed
// once (or taken from the caller), and a resume's prefix digest comes from the same pass.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The SHA-256 digests (hex) of one local file and of its prefixes. */
export class LocalDigest {
  #full: Promise<string> | undefined;

  constructor(
    private readonly path: string,
    known?: string,
    private readonly signal?: AbortSignal,
  ) {
    if (known !== undefined) this.#full = Promise.resolve(known.toLowerCase());
  }

  /** The whole file's digest. */
  full(): Promise<string> {
    this.#full ??= this.#hash(undefined, true).then((digests) => digests.full!);
    return this.#full;
  }

  /** The digest of the first `length` bytes (computing the whole file's on the way if it is still unknown). */
  async prefix(length: number): Promise<string> {
    if (this.#full) return (await this.#hash(length, false)).prefix!;
    const pass = this.#hash(length, true);
    this.#full = pass.then((digests) => digests.full!);
    return (await pass).prefix!;
  }

  async #hash(prefixLength: number | undefined, whole: boolean): Promise<{ full?: string; prefix?: string }> {
    const full = whole ? createHash('sha256') : undefined;
    const prefix = prefixLength === undefined ? undefined : createHash('sha256');
    const limit = prefixLength ?? 0;
    let seen = 0;
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        full?.update(chunk);
        if (seen < limit) prefix?.update(chunk.subarray(0, limit - seen));
        seen += chunk.length;
        done();
      },
    });
    if (whole || limit > 0) {
      const range = whole ? {} : { end: limit - 1 };
      await pipeline(createReadStream(this.path, { highWaterMark: 1 << 20, ...range }), sink, this.signal ? { signal: this.signal } : {});
    }
    return { ...(full ? { full: full.digest('hex') } : {}), ...(prefix ? { prefix: prefix.digest('hex') } : {}) };
  }
}
