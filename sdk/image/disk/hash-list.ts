import { createHash, hash } from 'node:crypto';
import { open, rm, stat, type FileHandle } from 'node:fs/promises';
import { createPrivateFile, placeFile } from '../../files/index.js';
import { CHUNK_SIZE, chunkCount, ZERO_CHUNK_DIGEST } from './chunk.js';
import { chunkSpans, type Piece } from './chunk-spans.js';
import { HashListFormatError } from './errors.js';
import { mapExtents } from './qemu-img.js';
import { readExactly } from './read-exactly.js';

/**
 * Disk hash list, format v1: the SHA-256 of every 4 KiB chunk of a raw disk, in chunk order
 * (the base VM's hash list). All integers big-endian.
 *
 * | off | size | field                                                       |
 * |-----|------|-------------------------------------------------------------|
 * |  0  |  8   | magic "CLDHASHL"                                            |
 * |  8  |  2   | version = 1                                                 |
 * | 10  |  2   | digest algorithm: 1 = SHA-256, 32-byte digests              |
 * | 12  |  4   | chunk size = 4096                                           |
 * | 16  |  8   | chunk count n, at most 2^40                                 |
 * | 24  |  8   | disk size in bytes = n × chunk size                         |
 * | 32  |  32  | SHA-256 of the digest table (bytes 64 to the end)           |
 * | 64  | 32·n | digest of chunk 0, 1, …, n−1                                |
 * The file is exactly 64 + 32·n bytes.
 */
const MAGIC = Buffer.from('CLDHASHL', 'latin1');
const VERSION = 1;
const ALGORITHM_SHA256 = 1;
const HEADER_BYTES = 64;
const DIGEST_BYTES = 32;
const MAX_CHUNKS = 2 ** 40;
/** Digests buffered per write and per read: 1 MiB. */
const TABLE_PIECE = 32768 * DIGEST_BYTES;
/** Disk bytes read per batch: 4 MiB. */
const READ_BYTES = 1024 * CHUNK_SIZE;

export interface HashListHeader {
  chunkSize: number;
  chunkCount: number;
  diskSize: number;
  /** SHA-256 hex of the digest table. */
  checksum: string;
}

/**
 * Hashes every chunk of a raw disk into a hash-list file, streaming: holes (from `qemu-img map`) get
 * the digest of a zero chunk without being read, data is read in 4 MiB batches. The file is built as
 * the new file `<out>.partial`, its header read back and checked, then linked to `out`, which must
 * not exist.
 *
 * @example const header = await writeHashList('/vm/base.raw', '/vm/base.hashes');
 */
export async function writeHashList(disk: string, out: string): Promise<HashListHeader> {
  const { size } = await stat(disk);
  const count = chunkCount(disk, size);
  const partial = `${out}.partial`;
  const input = await open(disk, 'r');
  const output = await createPrivateFile(partial).catch(async (error: unknown) => {
    await input.close();
    throw error;
  });
  try {
    const table = new TableWriter(output);
    const pieces = async function* (): AsyncGenerator<Piece> {
      for await (const e of mapExtents(disk, 'raw', size)) {
        yield { start: e.start, length: e.length, source: e.zero ? 'zero' : 'image', fileOffset: e.start };
      }
    };
    const bytes = Buffer.allocUnsafe(READ_BYTES);
    for await (const span of chunkSpans(pieces())) {
      if (span.kind === 'zeroed') {
        await table.push(ZERO_CHUNK_DIGEST, span.count);
        continue;
      }
      for (let at = span.first * CHUNK_SIZE, end = (span.first + span.count) * CHUNK_SIZE; at < end; at += READ_BYTES) {
        const length = Math.min(READ_BYTES, end - at);
        await readExactly(disk, input, bytes, 0, length, at);
        for (let c = 0; c < length; c += CHUNK_SIZE) await table.push(hash('sha256', bytes.subarray(c, c + CHUNK_SIZE), 'buffer'));
      }
    }
    const header: HashListHeader = { chunkSize: CHUNK_SIZE, chunkCount: count, diskSize: size, checksum: await table.finish() };
    if (table.digests !== count) throw new HashListFormatError(partial, 'chunk count', count, table.digests);
    await output.write(encodeHeader(header), 0, HEADER_BYTES, 0);
    await output.sync();
    await output.close();
    const written = await readHashListHeader(partial);
    if (JSON.stringify(written) !== JSON.stringify(header)) throw new HashListFormatError(partial, 'header', JSON.stringify(header), JSON.stringify(written));
    await placeFile(partial, out);
    return header;
  } catch (error) {
    await output.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  } finally {
    await input.close();
  }
}

/**
 * Reads and checks a hash list's header and the file length it implies (not yet the checksum; see readHashList).
 *
 * @example (await readHashListHeader('/vm/base.hashes')).chunkCount // 2097152 for an 8 GiB disk
 */
export async function readHashListHeader(path: string): Promise<HashListHeader> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size < HEADER_BYTES) throw new HashListFormatError(path, 'file size', `at least ${HEADER_BYTES}`, size);
    const b = Buffer.alloc(HEADER_BYTES);
    await readExactly(path, file, b, 0, HEADER_BYTES, 0);
    const check = (field: string, expected: string | number, actual: string | number) => {
      if (expected !== actual) throw new HashListFormatError(path, field, expected, actual);
    };
    check('magic', MAGIC.toString('latin1'), b.toString('latin1', 0, 8));
    check('version', VERSION, b.readUInt16BE(8));
    check('digest algorithm', ALGORITHM_SHA256, b.readUInt16BE(10));
    check('chunk size', CHUNK_SIZE, b.readUInt32BE(12));
    const count = Number(b.readBigUInt64BE(16));
    if (count > MAX_CHUNKS) throw new HashListFormatError(path, 'chunk count', `at most ${MAX_CHUNKS}`, count);
    check('disk size', count * CHUNK_SIZE, Number(b.readBigUInt64BE(24)));
    check('file size', HEADER_BYTES + count * DIGEST_BYTES, size);
    return { chunkSize: CHUNK_SIZE, chunkCount: count, diskSize: count * CHUNK_SIZE, checksum: b.toString('hex', 32, 64) };
  } finally {
    await file.close();
  }
}

/**
 * Streams a hash list's digests in chunk order, 1 MiB of table in memory at a time. The table's
 * checksum is verified as it streams; a mismatch throws after the last entry, so a consumer that
 * reaches the end without an error has read exactly what was written. `digest` is a view into a
 * shared 1 MiB piece: copy it if it is kept apart from the others.
 *
 * @example for await (const { index, digest } of readHashList('/vm/base.hashes')) byDigest.set(digest.toString('hex'), index);
 */
export async function* readHashList(path: string): AsyncGenerator<{ index: number; digest: Buffer }> {
  const header = await readHashListHeader(path);
  const file = await open(path, 'r');
  try {
    const sha = createHash('sha256');
    const total = header.chunkCount * DIGEST_BYTES;
    for (let done = 0; done < total; done += TABLE_PIECE) {
      const piece = Buffer.allocUnsafe(Math.min(TABLE_PIECE, total - done));
      await readExactly(path, file, piece, 0, piece.length, HEADER_BYTES + done);
      sha.update(piece);
      for (let at = 0; at < piece.length; at += DIGEST_BYTES) {
        yield { index: (done + at) / DIGEST_BYTES, digest: piece.subarray(at, at + DIGEST_BYTES) };
      }
    }
    const checksum = sha.digest('hex');
    if (checksum !== header.checksum) throw new HashListFormatError(path, 'checksum', header.checksum, checksum);
  } finally {
    await file.close();
  }
}

function encodeHeader(header: HashListHeader): Buffer {
  const b = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(b, 0);
  b.writeUInt16BE(VERSION, 8);
  b.writeUInt16BE(ALGORITHM_SHA256, 10);
  b.writeUInt32BE(header.chunkSize, 12);
  b.writeBigUInt64BE(BigInt(header.chunkCount), 16);
  b.writeBigUInt64BE(BigInt(header.diskSize), 24);
  b.write(header.checksum, 32, 'hex');
  return b;
}

/** Buffers digests into 1 MiB pieces written after the header, hashing the table as it goes. */
class TableWriter {
  digests = 0;
  private readonly piece = Buffer.allocUnsafe(TABLE_PIECE);
  private used = 0;
  private position = HEADER_BYTES;
  private readonly sha = createHash('sha256');

  constructor(private readonly file: FileHandle) {}

  /** Appends `digest` `times` times (a run of holes is one call). */
  async push(digest: Buffer, times = 1): Promise<void> {
    for (let left = times; left > 0; ) {
      const n = Math.min(left, (TABLE_PIECE - this.used) / DIGEST_BYTES);
      this.piece.fill(digest, this.used, this.used + n * DIGEST_BYTES);
      this.used += n * DIGEST_BYTES;
      this.digests += n;
      left -= n;
      if (this.used === TABLE_PIECE) await this.flush();
    }
  }

  async finish(): Promise<string> {
    await this.flush();
    return this.sha.digest('hex');
  }

  private async flush(): Promise<void> {
    const bytes = this.piece.subarray(0, this.used);
    this.sha.update(bytes);
    for (let done = 0; done < bytes.length; ) done += (await this.file.write(bytes, done, bytes.length - done, this.position + done)).bytesWritten;
    this.position += bytes.length;
    this.used = 0;
  }
}
