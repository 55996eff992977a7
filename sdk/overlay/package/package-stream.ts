import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  BaseVmMismatchError,
  BlobSizeMismatchError,
  ChecksumError,
  CompressionMethodError,
  MemberOrderError,
  MetaTooLargeError,
  MissingMemberError,
  OverlayPackageError,
  UnexpectedMemberError,
} from './errors.js';
import { checkMemberName } from './member-name.js';
import { decodeMeta, META_MEMBER, metaVersion, SIGNATURE_MEMBER, type BlobMeta, type OverlayMeta } from './meta.js';
import { decodeSignature, SIGNATURE_BYTES, verifyMetaSignature } from './overlay-sig.js';
import { DEFAULT_LIMITS, hex32, packageOrder, type OpenPackageOptions, type PackageSigner } from './package-reader.js';
import { SignatureFormatError } from './signature-errors.js';
import { StreamCursor } from './stream-cursor.js';
import { StreamLayoutError, StreamLengthError } from './stream-errors.js';
import { readStreamTail, type StreamMember } from './stream-tail.js';
import { CENTRAL_HEADER_BYTES, CENTRAL_HEADER_SIGNATURE, FLAG_UTF8, LOCAL_HEADER_BYTES, LOCAL_HEADER_SIGNATURE, METHOD_STORED } from './zip-layout.js';
import { ZIP64_MARK_32 } from './zip64-records.js';

export interface OpenStreamOptions extends OpenPackageOptions {
  /** The length the sender announced (Content-Length): a byte more fails at once, an end before it fails. */
  declaredBytes?: number;
  /** Called with the bytes received so far, after every chunk taken from the source. */
  onBytes?: (received: number) => void;
}

/**
 * Opens an overlay package arriving as a stream, laid out as format v2 (zip-layout.ts), and reads
 * only its head: overlay-meta (size limit, CRC-32, every field), overlay-sig, the signature against
 * `trustedKeys`, the Base VM ID, and that `declaredBytes` can hold the members the meta lists. All
 * of that is refused before a byte of a blob is read. The blobs follow through readBlob. A package
 * of format v1 (meta last) is refused at its first member with StreamLayoutError.
 *
 * @example
 * const pkg = await openOverlayStream(request, { expectedBaseVmId: base.id, declaredBytes: 20_000_000 });
 * for (const blob of pkg.meta.blobs) for await (const piece of pkg.readBlob(blob.name)) use(piece);
 * console.log(pkg.sha256);
 */
export async function openOverlayStream(source: AsyncIterable<Uint8Array>, options: OpenStreamOptions): Promise<StreamedOverlayPackage> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const cursor = new StreamCursor(source, options.declaredBytes, options.onBytes);
  try {
    const first = await readLocalHeader(cursor);
    if (first?.name !== META_MEMBER) {
      throw new StreamLayoutError(0, `the first member is ${first ? JSON.stringify(first.name) : 'missing'}, not overlay-meta: a package of format v1 (meta last) cannot be applied while it streams; download it first, or re-create it with this version`);
    }
    if (first.size > limits.maxMetaBytes) throw new MetaTooLargeError(first.size, limits.maxMetaBytes);
    const metaBytes = await readSmallMember(cursor, first);
    const meta = decodeMeta(metaBytes);
    const seen: StreamMember[] = [first];
    let next = await readLocalHeader(cursor);
    let signature = null;
    if (next?.name === SIGNATURE_MEMBER) {
      if (next.size !== SIGNATURE_BYTES) throw new SignatureFormatError('length', `${next.size} bytes, not ${SIGNATURE_BYTES}`);
      signature = decodeSignature(await readSmallMember(cursor, next));
      seen.push(next);
      next = await readLocalHeader(cursor);
    }
    if (options.trustedKeys !== undefined) verifyMetaSignature(metaBytes, signature, options.trustedKeys);
    if (options.expectedBaseVmId !== null && meta.baseVmId !== options.expectedBaseVmId) throw new BaseVmMismatchError(options.expectedBaseVmId, meta.baseVmId);
    if (options.declaredBytes !== undefined) {
      const least = (next?.offset ?? cursor.offset) + meta.blobs.reduce((sum, blob) => sum + LOCAL_HEADER_BYTES + CENTRAL_HEADER_BYTES + 2 * blob.name.length + blob.size, 0);
      if (options.declaredBytes < least) throw new StreamLengthError('below-meta', least, options.declaredBytes);
    }
    const signer = signature === null ? null : { keyId: signature.keyId, verified: options.trustedKeys !== undefined };
    return new StreamedOverlayPackage(meta, metaVersion(metaBytes), signer, cursor, next, seen);
  } catch (error) {
    await cursor.close().catch(() => undefined);
    throw error;
  }
}

/**
 * An overlay package being received. Blobs are read once each, in meta order (readBlob may be
 * called for the next ones before the current one is done: each waits its turn). A blob's pieces
 * are handed on as they arrive, and its iteration throws at its end, before returning, unless its
 * SHA-256 and CRC-32 matched: a consumer that buffers a blob whole before use (prefetchBlobs) never
 * uses bytes that failed. Reading the last blob also reads the central directory and end record,
 * checks them against the members seen, and requires the end of the stream (and of `declaredBytes`);
 * then `sha256` holds the SHA-256 of the whole package.
 */
export class StreamedOverlayPackage {
  private handedOut = 0;
  private turn: Promise<void> = Promise.resolve();
  private failure: unknown;
  private digest: string | undefined;

  constructor(
    readonly meta: OverlayMeta,
    /** The package format version (meta.ts); the layout was checked to be v2's. */
    readonly formatVersion: number,
    /** Null for an unsigned package. */
    readonly signer: PackageSigner | null,
    private readonly cursor: StreamCursor,
    private pending: StreamMember | null,
    private readonly seen: StreamMember[],
  ) {}

  /** The SHA-256 of every byte of the package; known once the last blob was read. */
  get sha256(): string {
    if (this.digest === undefined) throw new OverlayPackageError('the overlay stream was not read to its end: its SHA-256 is not known');
    return this.digest;
  }

  /** Bytes received so far. */
  get received(): number {
    return this.cursor.received;
  }

  /** The blob's bytes as they arrive; see the class comment. Blobs must be asked for in meta order. */
  readBlob(name: string): AsyncGenerator<Buffer> {
    const index = this.handedOut++;
    const blob = this.meta.blobs[index];
    const previous = this.turn;
    let release = () => undefined as void;
    this.turn = new Promise((resolve) => (release = resolve));
    return this.blobPieces(name, index, blob, previous, release);
  }

  /** Stops reading; the source is released. */
  async close(): Promise<void> {
    this.failure ??= new OverlayPackageError('the overlay stream was closed');
    await this.cursor.close();
  }

  private async *blobPieces(name: string, index: number, blob: BlobMeta | undefined, previous: Promise<void>, release: () => void): AsyncGenerator<Buffer> {
    let complete = false;
    try {
      await previous;
      if (this.failure !== undefined) throw this.failure;
      if (blob?.name !== name) throw new OverlayPackageError(`blob ${JSON.stringify(name)} was asked for out of turn: the blobs of a stream are read once each, in meta order`);
      const header = this.pending;
      const position = this.seen.length;
      if (header === null) throw new MissingMemberError(blob.name);
      if (header.name !== blob.name) {
        throw this.meta.blobs.some((b) => b.name === header.name) ? new MemberOrderError(position, blob.name, header.name) : new UnexpectedMemberError(header.name);
      }
      if (header.size !== blob.size) throw new BlobSizeMismatchError(blob.name, blob.size, header.size);
      const sha = createHash('sha256');
      let crc = 0;
      for await (const piece of this.cursor.pieces(blob.size)) {
        sha.update(piece);
        crc = crc32(piece, crc);
        yield piece;
      }
      const sha256 = sha.digest('hex');
      if (sha256 !== blob.sha256) throw new ChecksumError(blob.name, 'sha256', blob.sha256, sha256);
      if (crc >>> 0 !== header.crc32) throw new ChecksumError(blob.name, 'crc32', hex32(header.crc32), hex32(crc >>> 0));
      this.seen.push(header);
      if (index + 1 < this.meta.blobs.length) {
        this.pending = await readLocalHeader(this.cursor);
      } else {
        const order = packageOrder(this.meta, this.seen[1]?.name === SIGNATURE_MEMBER);
        const extra = await readLocalHeader(this.cursor);
        if (extra !== null) throw order.includes(extra.name) ? new MemberOrderError(this.seen.length, '(central directory)', extra.name) : new UnexpectedMemberError(extra.name);
        await readStreamTail(this.cursor, this.seen);
        this.digest = await this.cursor.end();
      }
      complete = true;
    } catch (error) {
      this.failure ??= error;
      throw error;
    } finally {
      if (!complete) this.failure ??= new OverlayPackageError(`reading blob ${JSON.stringify(name)} of the overlay stream stopped midway`);
      release();
    }
  }
}

/** The next member's local header, or null where the central directory starts; refuses whatever our writer never writes. */
async function readLocalHeader(cursor: StreamCursor): Promise<StreamMember | null> {
  const offset = cursor.offset;
  const fixed = await cursor.peek(LOCAL_HEADER_BYTES);
  const signature = fixed.readUInt32LE(0);
  if (signature !== LOCAL_HEADER_SIGNATURE) {
    if (signature === CENTRAL_HEADER_SIGNATURE) return null;
    throw new StreamLayoutError(offset, 'no zip local header or central directory here');
  }
  await cursor.read(LOCAL_HEADER_BYTES);
  const flags = fixed.readUInt16LE(6);
  const method = fixed.readUInt16LE(8);
  const size = fixed.readUInt32LE(18);
  const name = checkMemberName(Buffer.from(await cursor.read(fixed.readUInt16LE(26))));
  if ((flags & 0x0008) !== 0) throw new StreamLayoutError(offset, `member ${name} has a data descriptor (its sizes follow its bytes); overlay packages carry them in the local header`);
  if ((flags & ~FLAG_UTF8) !== 0) throw new StreamLayoutError(offset, `member ${name}: flags 0x${flags.toString(16)} (encryption?) are not supported`);
  if (method !== METHOD_STORED) throw new CompressionMethodError(name, method);
  if (size === ZIP64_MARK_32 || fixed.readUInt32LE(22) !== size) throw new StreamLayoutError(offset, `member ${name}: stored sizes differ or are marked ZIP64`);
  if (fixed.readUInt16LE(28) !== 0) throw new StreamLayoutError(offset, `member ${name}: a local extra field, which overlay packages never have`);
  return { name, crc32: fixed.readUInt32LE(14), size, offset };
}

async function readSmallMember(cursor: StreamCursor, member: StreamMember): Promise<Buffer> {
  const bytes = Buffer.from(await cursor.read(member.size));
  const actual = crc32(bytes) >>> 0;
  if (actual !== member.crc32) throw new ChecksumError(member.name, 'crc32', hex32(member.crc32), hex32(actual));
  return bytes;
}
