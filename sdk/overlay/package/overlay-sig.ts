/**
 * overlay-sig, format v1: the optional member right after overlay-meta in an overlay zip (after
 * the blobs in packages of format v1, zip-layout.ts), an ed25519 signature over overlay-meta. The meta holds every blob's size and SHA-256, and the reader refuses members the
 * meta does not list, so signing the meta signs the whole overlay. Integers are big-endian.
 *
 * | off | size | field                                                                          |
 * |-----|------|--------------------------------------------------------------------------------|
 * |  0  |  8   | magic "CLDOVSIG"                                                               |
 * |  8  |  2   | version = 1                                                                    |
 * | 10  |  2   | algorithm = 1: ed25519 (RFC 8032, pure)                                        |
 * | 12  | 32   | key ID: SHA-256 of the signer's raw 32-byte public key                         |
 * | 44  | 64   | signature of the message "cloudlet-overlay-sig v1" ‖ 0x00 ‖ SHA-256(overlay-meta) |
 * The member is exactly 108 bytes. The message's prefix keeps a signature made for something else
 * with the same key from passing as an overlay's.
 */
import { createHash, sign, verify } from 'node:crypto';
import { OverlayUnsignedError, SignatureFormatError, SignatureMismatchError, UntrustedSignerError } from './signature-errors.js';
import type { OverlaySigningKey, TrustedKey } from './signing-keys.js';

const MAGIC = Buffer.from('CLDOVSIG', 'latin1');
const VERSION = 1;
const ED25519 = 1;
const HEADER_BYTES = 12;
export const SIGNATURE_BYTES = HEADER_BYTES + 32 + 64;
const CONTEXT = Buffer.from('cloudlet-overlay-sig v1\0', 'latin1');

/** A decoded overlay-sig: who signed, and the signature, not yet verified. */
export interface OverlaySignature {
  keyId: string;
  signature: Buffer;
}

/**
 * The overlay-sig member for `meta` (the overlay-meta member's bytes), signed with `key`.
 *
 * @example await zip.addMember(SIGNATURE_MEMBER, signMeta(metaBytes, await readSigningKey('signer.key')));
 */
export function signMeta(meta: Uint8Array, key: OverlaySigningKey): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(VERSION, 8);
  header.writeUInt16BE(ED25519, 10);
  return Buffer.concat([header, Buffer.from(key.id, 'hex'), sign(null, message(meta), key.privateKey)]);
}

/**
 * Reads an overlay-sig member, version first, every length checked; throws SignatureFormatError.
 *
 * @example decodeSignature(bytes).keyId // → '3f2a…'
 */
export function decodeSignature(bytes: Buffer): OverlaySignature {
  if (bytes.length < HEADER_BYTES || !bytes.subarray(0, 8).equals(MAGIC)) throw new SignatureFormatError('magic', 'is not CLDOVSIG');
  const version = bytes.readUInt16BE(8);
  if (version !== VERSION) throw new SignatureFormatError('version', `${version} is not ${VERSION}`);
  const algorithm = bytes.readUInt16BE(10);
  if (algorithm !== ED25519) throw new SignatureFormatError('algorithm', `${algorithm} is not ${ED25519} (ed25519)`);
  if (bytes.length !== SIGNATURE_BYTES) throw new SignatureFormatError('length', `${bytes.length} bytes, not ${SIGNATURE_BYTES}`);
  return { keyId: bytes.subarray(HEADER_BYTES, HEADER_BYTES + 32).toString('hex'), signature: bytes.subarray(HEADER_BYTES + 32) };
}

/**
 * Checks that `meta` is signed by one of `trusted` and returns that key: OverlayUnsignedError
 * without a signature, UntrustedSignerError for another key, SignatureMismatchError when the
 * signature does not verify (the meta changed after signing).
 *
 * @example const signer = verifyMetaSignature(metaBytes, signature, await readTrustedKeys(['signers.pub']));
 */
export function verifyMetaSignature(meta: Uint8Array, signature: OverlaySignature | null, trusted: readonly TrustedKey[]): TrustedKey {
  const ids = trusted.map((key) => key.id);
  if (signature === null) throw new OverlayUnsignedError(ids);
  const signer = trusted.find((key) => key.id === signature.keyId);
  if (signer === undefined) throw new UntrustedSignerError(signature.keyId, ids);
  if (!verify(null, message(meta), signer.publicKey, signature.signature)) throw new SignatureMismatchError(signature.keyId);
  return signer;
}

function message(meta: Uint8Array): Buffer {
  return Buffer.concat([CONTEXT, createHash('sha256').update(meta).digest()]);
}
