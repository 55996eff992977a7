import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import {
  BaseVmMismatchError,
  BlobSizeMismatchError,
  ChecksumError,
  MemberOrderError,
  MetaTooLargeError,
  MissingMemberError,
  UnexpectedMemberError,
} from './errors.js';
import { decodeMeta, MAX_BLOBS, META_MEMBER, metaVersion, SIGNATURE_MEMBER, type BlobMeta, type OverlayMeta } from './meta.js';
import { decodeSignature, SIGNATURE_BYTES, verifyMetaSignature } from './overlay-sig.js';
import { SignatureFormatError } from './signature-errors.js';
import type { TrustedKey } from './signing-keys.js';
import { StoredZipReader, type ZipMember } from './zip-reader.js';

export interface PackageLimits {
  /** Zip members accepted: overlay-meta, overlay-sig and the blobs. */
  maxMembers: number;
  /** Bytes of overlay-meta accepted; it is read into memory whole. */
  maxMetaBytes: number;
}

/** 16 MiB of meta holds about 4 million runs: an 8 GiB disk changed in every other chunk needs 1 million. */
export const DEFAULT_LIMITS: PackageLimits = { maxMembers: MAX_BLOBS + 2, maxMetaBytes: 16 << 20 };
/** Central directory bytes allowed per member: 46-byte header, a name of at most 255 bytes, some extra fields. */
const CENTRAL_BYTES_PER_MEMBER = 1024;
/** Blobs are read and handed out in pieces of this size. */
const PIECE_BYTES = 1 << 20;

export interface OpenPackageOptions {
  /** The Base VM ID the overlay must have been made from; null only to inspect a package. */
  expectedBaseVmId: string | null;
  /** When given, the package must be signed by one of these keys (overlay-sig.ts), checked before anything else. */
  trustedKeys?: readonly TrustedKey[];
  limits?: Partial<PackageLimits>;
}

/** Who signed a package: the key ID, and whether it was verified against the caller's trusted keys. */
export interface PackageSigner {
  keyId: string;
  verified: boolean;
}

/**
 * Opens an overlay package and checks everything that can be checked without reading the blobs:
 * zip structure, meta version and fields, the signature when `trustedKeys` are given, the Base VM
 * ID, and that the zip holds exactly the blobs the meta lists (and maybe overlay-sig), each of the
 * listed size. The package file must not change while it is open.
 *
 * @example
 * const pkg = await openOverlayPackage('overlay.zip', { expectedBaseVmId: baseId });
 * for (const blob of pkg.meta.blobs) for await (const bytes of pkg.readBlob(blob.name)) decompress(bytes);
 * await pkg.close();
 */
export async function openOverlayPackage(path: string, options: OpenPackageOptions): Promise<OverlayPackage> {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const zip = await StoredZipReader.open(path, {
    maxMembers: limits.maxMembers,
    maxCentralDirectoryBytes: limits.maxMembers * CENTRAL_BYTES_PER_MEMBER,
  });
  try {
    const metaBytes = await readSmallMember(zip, META_MEMBER, limits.maxMetaBytes, (size) => new MetaTooLargeError(size, limits.maxMetaBytes));
    const meta = decodeMeta(metaBytes);
    const formatVersion = metaVersion(metaBytes);
    const signature = zip.members.has(SIGNATURE_MEMBER)
      ? decodeSignature(await readSmallMember(zip, SIGNATURE_MEMBER, SIGNATURE_BYTES, (size) => new SignatureFormatError('length', `${size} bytes, not ${SIGNATURE_BYTES}`)))
      : null;
    if (options.trustedKeys !== undefined) verifyMetaSignature(metaBytes, signature, options.trustedKeys);
    if (options.expectedBaseVmId !== null && meta.baseVmId !== options.expectedBaseVmId) {
      throw new BaseVmMismatchError(options.expectedBaseVmId, meta.baseVmId);
    }
    const blobs = new Map<string, { blob: BlobMeta; member: ZipMember }>();
    for (const blob of meta.blobs) {
      const member = zip.members.get(blob.name);
      if (member === undefined) throw new MissingMemberError(blob.name);
      if (member.size !== blob.size) throw new BlobSizeMismatchError(blob.name, blob.size, member.size);
      blobs.set(blob.name, { blob, member });
    }
    for (const name of zip.members.keys()) {
      if (name !== META_MEMBER && name !== SIGNATURE_MEMBER && !blobs.has(name)) throw new UnexpectedMemberError(name);
    }
    if (formatVersion >= 2) checkOrder([...zip.members.values()], meta);
    const signer = signature === null ? null : { keyId: signature.keyId, verified: options.trustedKeys !== undefined };
    return new OverlayPackage(path, meta, formatVersion, signer, zip, blobs);
  } catch (error) {
    await zip.close();
    throw error;
  }
}

/**
 * The order of members a v2 package must have (zip-layout.ts).
 *
 * @example packageOrder(meta, true) // → ['overlay-meta', 'overlay-sig', 'overlay-blob-1', …]
 */
export function packageOrder(meta: OverlayMeta, signed: boolean): string[] {
  return [META_MEMBER, ...(signed ? [SIGNATURE_MEMBER] : []), ...meta.blobs.map((blob) => blob.name)];
}

/** Refuses a v2 package whose members, by file offset, are not in packageOrder (the reader checked that no others exist). */
function checkOrder(members: readonly ZipMember[], meta: OverlayMeta): void {
  const actual = [...members].sort((a, b) => a.headerOffset - b.headerOffset).map((member) => member.name);
  const expected = packageOrder(meta, actual.includes(SIGNATURE_MEMBER));
  const at = expected.findIndex((name, i) => actual[i] !== name);
  if (at >= 0) throw new MemberOrderError(at, expected[at]!, actual[at] ?? '(none)');
}

/** A member read into memory whole, once its size is within `maxBytes` (else `tooLarge`), with its CRC-32 checked. */
async function readSmallMember(zip: StoredZipReader, name: string, maxBytes: number, tooLarge: (size: number) => Error): Promise<Buffer> {
  const member = zip.members.get(name);
  if (member === undefined) throw new MissingMemberError(name);
  if (member.size > maxBytes) throw tooLarge(member.size);
  const bytes = await zip.read(member, 0, member.size);
  const actual = crc32(bytes) >>> 0;
  if (actual !== member.crc32) throw new ChecksumError(name, 'crc32', hex32(member.crc32), hex32(actual));
  return bytes;
}

/**
 * An opened, structurally verified overlay package. Blob bytes are handed out only after their
 * SHA-256 (and zip CRC-32) matched: readBlob hashes the whole member first, with one piece in memory
 * at a time, then reads it again while handing it out. The second pass re-hashes and throws at its end
 * if the file changed in between, so a consumer that finishes the stream without an error has had
 * exactly the verified bytes. Two reads of a local file cost less than a private copy, and memory
 * stays at one piece however large the blob.
 */
export class OverlayPackage {
  constructor(
    readonly path: string,
    readonly meta: OverlayMeta,
    /** The package format version (meta.ts): 1 had overlay-meta last, 2 has it first. */
    readonly formatVersion: number,
    /** Null for an unsigned package. */
    readonly signer: PackageSigner | null,
    private readonly zip: StoredZipReader,
    private readonly blobs: ReadonlyMap<string, { blob: BlobMeta; member: ZipMember }>,
  ) {}

  /** Hashes a blob and throws ChecksumError unless both its SHA-256 and its CRC-32 match. */
  async verifyBlob(name: string): Promise<void> {
    const { blob, member } = this.lookup(name);
    for await (const _piece of this.checkedPieces(blob, member));
  }

  /** The blob's bytes in pieces of up to 1 MiB, verified first (see the class comment). */
  async *readBlob(name: string): AsyncGenerator<Buffer> {
    const { blob, member } = this.lookup(name);
    await this.verifyBlob(name);
    yield* this.checkedPieces(blob, member);
  }

  async close(): Promise<void> {
    await this.zip.close();
  }

  private lookup(name: string): { blob: BlobMeta; member: ZipMember } {
    const found = this.blobs.get(name);
    if (found === undefined) throw new MissingMemberError(name);
    return found;
  }

  /** Reads the member piece by piece and, after the last piece, throws if its hashes do not match. */
  private async *checkedPieces(blob: BlobMeta, member: ZipMember): AsyncGenerator<Buffer> {
    const sha = createHash('sha256');
    let crc = 0;
    for (let offset = 0; offset < member.size; offset += PIECE_BYTES) {
      const piece = await this.zip.read(member, offset, Math.min(PIECE_BYTES, member.size - offset));
      sha.update(piece);
      crc = crc32(piece, crc);
      yield piece;
    }
    const sha256 = sha.digest('hex');
    if (sha256 !== blob.sha256) throw new ChecksumError(blob.name, 'sha256', blob.sha256, sha256);
    if (crc >>> 0 !== member.crc32) throw new ChecksumError(blob.name, 'crc32', hex32(member.crc32), hex32(crc >>> 0));
  }
}

/** A CRC-32 as the 8 hex digits errors show. */
export function hex32(value: number): string {
  return value.toString(16).padStart(8, '0');
}
