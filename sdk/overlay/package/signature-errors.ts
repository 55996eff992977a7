/** Errors of signed overlays (overlay-sig.ts) and of the key files that sign and trust them. */
import { UsageError } from '../../errors/cloudlet-error.js';
import { OverlayPackageError } from './errors.js';

/** An overlay-sig member that is not format v1: wrong magic, version, algorithm or length. */
export class SignatureFormatError extends OverlayPackageError {
  static override readonly code: string = 'overlay-signature-format';
  constructor(readonly field: string, readonly problem: string) {
    super(`overlay-sig ${field}: ${problem}; the overlay was made by another tool or damaged`);
  }
}

/** Trusted keys were given and the overlay carries no signature. */
export class OverlayUnsignedError extends OverlayPackageError {
  static override readonly code: string = 'overlay-unsigned';
  constructor(readonly trusted: readonly string[]) {
    super(`the overlay is not signed, and only overlays signed by a trusted key (${trusted.join(', ')}) are accepted; sign it (cloudlet overlay --sign KEYFILE) or drop --trust`);
  }
}

/** The overlay is signed by a key that is not among the trusted ones. */
export class UntrustedSignerError extends OverlayPackageError {
  static override readonly code: string = 'overlay-signature-untrusted';
  constructor(readonly keyId: string, readonly trusted: readonly string[]) {
    super(`the overlay is signed by key ${keyId}, which is not trusted (trusted: ${trusted.join(', ')}); add its public key with --trust if you trust its owner`);
  }
}

/** The signature does not verify with the signer's key: overlay-meta was changed after signing, or the signature is forged. */
export class SignatureMismatchError extends OverlayPackageError {
  static override readonly code: string = 'overlay-signature-mismatch';
  constructor(readonly keyId: string) {
    super(`the signature by key ${keyId} does not match the overlay's meta: the overlay was changed after it was signed; do not use it`);
  }
}

/** A key file that cannot sign or be trusted: missing, not PEM, not ed25519, the wrong half, or a private key others can read. */
export class SigningKeyError extends UsageError {
  static override readonly code: string = 'overlay-signing-key';
  constructor(readonly path: string, readonly problem: string) {
    super(`key file ${path}: ${problem}`);
  }
}
