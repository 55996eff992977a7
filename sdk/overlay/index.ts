/** The VM overlay: createOverlay makes a package from a base and a customized VM; the package module reads it back. */
export * from './create/index.js';
export * from './info/index.js';
export {
  openOverlayPackage,
  OverlayPackage,
  decodeMeta,
  countChunks,
  META_VERSION,
  OverlayPackageError,
  BaseVmMismatchError,
  ChecksumError,
  MetaVersionError,
  generateSigningKey,
  readSigningKey,
  readTrustedKeys,
  keyId,
  SignatureFormatError,
  OverlayUnsignedError,
  UntrustedSignerError,
  SignatureMismatchError,
  SigningKeyError,
  type OverlaySigningKey,
  type TrustedKey,
  type PackageSigner,
  type BlobMeta,
  type OverlayMeta,
  type ChunkRange,
} from './package/index.js';
