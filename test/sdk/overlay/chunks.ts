/** Test helpers: chunk spaces held in memory, their digests, and guest-like page content. */
import { hash } from 'node:crypto';
import type { ChunkStore } from '../../../sdk/overlay/chunk-io/index.js';
import type { DigestSource } from '../../../sdk/overlay/dedup/index.js';

/** A ChunkStore over an array of chunks (missing ones read as zeros); counts reads. */
export function chunkArray(chunks: number, initial: readonly Buffer[] = []): ChunkStore & { reads: number; data: Buffer[] } {
  const data = Array.from({ length: chunks }, (_, i) => Buffer.from(initial[i] ?? Buffer.alloc(4096)));
  return {
    chunks,
    data,
    reads: 0,
    async read(index) {
      if (!(index >= 0 && index < chunks)) throw new RangeError(`chunk ${index}`);
      this.reads++;
      return Buffer.from(data[index]!);
    },
    async write(index, bytes) {
      if (!(index >= 0 && index < chunks) || bytes.length !== 4096) throw new RangeError(`chunk ${index}`);
      data[index] = Buffer.from(bytes);
    },
  };
}

/** The SHA-256 of every chunk, in order, as a hash list would give them. */
export function digestsOf(chunks: readonly Buffer[]): DigestSource {
  return async function* () {
    for (const [index, chunk] of chunks.entries()) yield { index, digest: hash('sha256', chunk, 'buffer') };
  };
}

/** A deterministic pseudo-random generator (tests must not depend on luck). */
export function prng(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

/** A page that compresses like guest memory: words, small integers, pointers, some noise. */
export function guestPage(seed: number): Buffer {
  const rand = prng(seed);
  const page = Buffer.alloc(4096);
  const words = ['kernel', 'task_struct', 'inode', 'dentry', '/usr/lib/', 'libc.so.6', 'systemd', 'GLIBC_2.34', '\0\0\0\0'];
  for (let at = 0; at < 4096; ) {
    const choice = rand(4);
    if (choice === 0) at += page.write(words[rand(words.length)]!, at);
    else if (choice === 1 && at + 8 <= 4096) { page.writeBigUInt64LE(0xffff888000000000n + BigInt(rand(1 << 24)) * 64n, at); at += 8; }
    else if (choice === 2 && at + 4 <= 4096) { page.writeUInt32LE(rand(256), at); at += 4; }
    else page[at++] = rand(256);
  }
  return page;
}

/** `page` with `count` bytes changed at pseudo-random places. */
export function touched(page: Buffer, count: number, seed: number): Buffer {
  const rand = prng(seed);
  const out = Buffer.from(page);
  for (let i = 0; i < count; i++) out[rand(4096)] ^= 1 + rand(255);
  return out;
}

/** Buffers as the async stream of pieces the decoders take. */
export async function* streamOf(...pieces: Buffer[]): AsyncGenerator<Buffer> {
  yield* pieces;
}
