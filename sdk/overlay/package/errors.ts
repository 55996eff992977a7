/**
 * Typed errors of the overlay package. Each carries the data a caller needs to report or act on
 * (member name, byte offset, expected/actual values); tests assert on class and fields, never on text.
 */
import { CloudletError } from '../../errors/cloudlet-error.js';
import type { MemberNameProblem } from '../../zip/member-name.js';

/** Base class: every failure of reading or writing an overlay package is one of these. */
export class OverlayPackageError extends CloudletError {
  static override readonly code: string = 'overlay-package';
}

/** The zip skeleton is wrong: no end record, a bad signature or ZIP64 record, spanning, prepended data, overlap. */
export class ZipStructureError extends OverlayPackageError {
  static override readonly code: string = 'overlay-zip-structure';
  constructor(readonly path: string, readonly offset: number, readonly reason: string) {
    super(`${path}: not a valid overlay zip at byte ${offset}: ${reason}`);
  }
}

export type { MemberNameProblem };

/** A member name that could escape a directory or confuse a tool; names are only looked up, never used as paths. */
export class MemberNameError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-name';
  constructor(readonly member: string, readonly problem: MemberNameProblem) {
    super(`zip member name ${JSON.stringify(member)} refused: ${problem}`);
  }
}

export class DuplicateMemberError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-duplicate';
  constructor(readonly member: string) {
    super(`zip member ${JSON.stringify(member)} appears more than once`);
  }
}

/** Members must be STORED (method 0): blobs are compressed already and are read by byte range. */
export class CompressionMethodError extends OverlayPackageError {
  static override readonly code: string = 'overlay-compression-method';
  constructor(readonly member: string, readonly method: number) {
    super(`zip member ${JSON.stringify(member)} uses compression method ${method}; only 0 (stored) is accepted`);
  }
}

/** The local header of a member says something else than its central directory entry. */
export class HeaderMismatchError extends OverlayPackageError {
  static override readonly code: string = 'overlay-header-mismatch';
  constructor(
    readonly member: string,
    readonly field: string,
    readonly central: number | string,
    readonly local: number | string,
  ) {
    super(`zip member ${JSON.stringify(member)}: ${field} is ${central} in the central directory but ${local} in the local header`);
  }
}

/** A member's header or data would run past the area it may occupy (before the central directory). */
export class MemberBoundsError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-bounds';
  constructor(readonly member: string, readonly offset: number, readonly length: number, readonly limit: number) {
    super(`zip member ${JSON.stringify(member)}: bytes ${offset}..${offset + length} run past ${limit}`);
  }
}

export class MemberLimitError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-limit';
  constructor(readonly count: number, readonly limit: number) {
    super(`zip declares ${count} members; at most ${limit} are accepted`);
  }
}

export class MetaTooLargeError extends OverlayPackageError {
  static override readonly code: string = 'overlay-meta-too-large';
  constructor(readonly size: number, readonly limit: number) {
    super(`overlay-meta is ${size} bytes; at most ${limit} are accepted`);
  }
}

/** Checked before any other meta field: the format marker or version is not one this reader knows. */
export class MetaVersionError extends OverlayPackageError {
  static override readonly code: string = 'overlay-meta-version';
  constructor(readonly format: unknown, readonly version: unknown) {
    super(`overlay-meta format ${JSON.stringify(format)} version ${JSON.stringify(version)} is not supported (expected cloudlet-overlay 1 or 2); a newer cloudlet-tasks made it?`);
  }
}

/** A meta field is missing, of the wrong type, out of its limits, or unknown. */
export class MetaFieldError extends OverlayPackageError {
  static override readonly code: string = 'overlay-meta-field';
  constructor(readonly field: string, readonly problem: string) {
    super(`overlay-meta field ${field}: ${problem}`);
  }
}

/** The meta and the zip member disagree about a blob's size. */
export class BlobSizeMismatchError extends OverlayPackageError {
  static override readonly code: string = 'overlay-blob-size-mismatch';
  constructor(readonly blob: string, readonly expected: number, readonly actual: number) {
    super(`blob ${JSON.stringify(blob)}: meta says ${expected} bytes, zip member holds ${actual}`);
  }
}

/** Which image a chunk range addresses. */
export type ChunkSpace = 'disk' | 'memory';

/** A blob claims chunks past the end of the disk or the memory it describes. */
export class ChunkRangeError extends OverlayPackageError {
  static override readonly code: string = 'overlay-chunk-range';
  constructor(
    readonly owner: string,
    readonly space: ChunkSpace,
    readonly first: number,
    readonly count: number,
    readonly limit: number,
  ) {
    super(`${owner}: ${space} chunks ${first}..${first + count - 1} lie beyond the ${limit} chunks of the ${space}`);
  }
}

/** Two claims (blobs, or a blob and the zeroed-disk list) name the same chunk. */
export class ChunkOverlapError extends OverlayPackageError {
  static override readonly code: string = 'overlay-chunk-overlap';
  constructor(readonly space: ChunkSpace, readonly index: number, readonly first: string, readonly second: string) {
    super(`${space} chunk ${index} is claimed by both ${first} and ${second}`);
  }
}

/** overlay-meta itself, or a blob it lists, is not in the zip (or a caller asked for a blob the meta does not list). */
export class MissingMemberError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-missing';
  constructor(readonly member: string) {
    super(`zip member ${JSON.stringify(member)} is missing from the overlay package`);
  }
}

/** A v2 package's members are not in its layout's order: overlay-meta, overlay-sig (if signed), the blobs in meta order (zip-layout.ts). */
export class MemberOrderError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-order';
  constructor(readonly position: number, readonly expected: string, readonly actual: string) {
    super(`zip member ${position + 1} is ${JSON.stringify(actual)}, where overlay package v2 has ${JSON.stringify(expected)}; the package was not written by cloudlet-tasks or was altered`);
  }
}

export class UnexpectedMemberError extends OverlayPackageError {
  static override readonly code: string = 'overlay-member-unexpected';
  constructor(readonly member: string) {
    super(`zip member ${JSON.stringify(member)} is not listed in overlay-meta`);
  }
}

export class BaseVmMismatchError extends OverlayPackageError {
  static override readonly code: string = 'overlay-wrong-base';
  constructor(readonly expected: string, readonly actual: string) {
    super(`overlay was made for base VM ${actual}, not ${expected}; synthesize it on its own base`);
  }
}

/** A member's bytes do not hash to what was recorded (CRC-32 in the zip, SHA-256 in the meta). */
export class ChecksumError extends OverlayPackageError {
  static override readonly code: string = 'overlay-checksum';
  constructor(
    readonly member: string,
    readonly algorithm: 'crc32' | 'sha256',
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`zip member ${JSON.stringify(member)}: ${algorithm} is ${actual}, expected ${expected}`);
  }
}

/** A member at or past 4 GiB (or the configured limit): ZIP64 serves offsets here, never member sizes. */
export class Zip64RequiredError extends OverlayPackageError {
  static override readonly code: string = 'overlay-zip64-required';
  constructor(readonly member: string, readonly field: 'size', readonly value: number, readonly limit: number) {
    super(`zip member ${JSON.stringify(member)}: ${field} ${value} exceeds ${limit}; split the overlay into smaller blobs`);
  }
}

/** The writer was used after finish(), abort() or an earlier failure (which is kept as `cause`). */
export class WriterStateError extends OverlayPackageError {
  static override readonly code: string = 'overlay-writer-state';
  constructor(readonly state: 'finished' | 'aborted' | 'broken', cause?: unknown) {
    super(`overlay package writer is ${state}`, { cause });
  }
}
