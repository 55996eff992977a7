/**
 * Typed errors of the memory snapshot formats. Every reader error carries the file offset where the
 * problem was found and what was there; nothing is ever skipped or guessed past.
 */
import { CloudletError } from '../../errors/cloudlet-error.js';

/** Base class. `offset` is a byte offset in the file (or stream) that was being read or written. */
export class MemorySnapshotError extends CloudletError {
  static override readonly code: string = 'memory-snapshot';
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(`${message} (at byte ${offset})`);
  }
}

/** The stream ended before a field it had announced. */
export class TruncatedStreamError extends MemorySnapshotError {
  static override readonly code: string = 'memory-truncated';
  constructor(
    offset: number,
    readonly expected: string,
    readonly needed: number,
    readonly available: number,
  ) {
    super(offset, `stream truncated: ${expected} needs ${needed} bytes, only ${available} left`);
  }
}

/** The file does not start with the magic of the format it was opened as. */
export class BadMagicError extends MemorySnapshotError {
  static override readonly code: string = 'memory-bad-magic';
  constructor(
    offset: number,
    readonly expected: string,
    /** Hex of the bytes found. */
    readonly found: string,
  ) {
    super(offset, `bad magic: expected ${expected}, found ${found}`);
  }
}

/** A format version, or a section version, this code was not written for. */
export class UnsupportedVersionError extends MemorySnapshotError {
  static override readonly code: string = 'memory-unsupported-version';
  constructor(
    offset: number,
    readonly what: string,
    readonly found: number,
    readonly supported: readonly number[],
  ) {
    super(offset, `${what} version ${found} is not supported (supported: ${supported.join(', ')})`);
  }
}

/** A section type byte that is unknown, or not allowed where it appeared. */
export class UnexpectedSectionError extends MemorySnapshotError {
  static override readonly code: string = 'memory-unexpected-section';
  constructor(
    offset: number,
    readonly sectionType: number,
    readonly expected: string,
  ) {
    super(offset, `section type 0x${sectionType.toString(16)} where ${expected} was expected`);
  }
}

/** A RAM record whose flags use a feature this parser refuses (XBZRLE, compression, multifd, RDMA, …). */
export class UnsupportedRamFlagsError extends MemorySnapshotError {
  static override readonly code: string = 'memory-unsupported-ram-flags';
  constructor(
    offset: number,
    readonly flags: number,
    /** e.g. "XBZRLE|CONTINUE". */
    readonly flagNames: string,
  ) {
    super(offset, `RAM record flags ${flagNames} (0x${flags.toString(16)}) are not supported`);
  }
}

/** A stream feature that changes the layout in ways this parser does not model. */
export class UnsupportedStreamFeatureError extends MemorySnapshotError {
  static override readonly code: string = 'memory-unsupported-feature';
  constructor(
    offset: number,
    readonly feature: string,
    readonly found: string,
  ) {
    super(offset, `unsupported stream feature ${feature}: ${found}`);
  }
}

/** The RAM block list is inconsistent (lengths not page-aligned or not summing to the total, names repeated or empty). */
export class BlockListError extends MemorySnapshotError {
  static override readonly code: string = 'memory-block-list';
  constructor(
    offset: number,
    readonly problem: 'unaligned-length' | 'length-sum' | 'duplicate-id' | 'empty-id' | 'empty-list' | 'mismatch',
    readonly found: string,
  ) {
    super(offset, `RAM block list: ${problem}: ${found}`);
  }
}

/** A page record names a block that is not in the list, or an offset beyond its length. */
export class PageOutOfRangeError extends MemorySnapshotError {
  static override readonly code: string = 'memory-page-out-of-range';
  constructor(
    offset: number,
    readonly block: string,
    readonly pageOffset: number,
    /** -1 when the block is unknown. */
    readonly blockLength: number,
  ) {
    super(
      offset,
      blockLength < 0
        ? `page record names unknown RAM block "${block}"`
        : `page offset 0x${pageOffset.toString(16)} is beyond block "${block}" of ${blockLength} bytes`,
    );
  }
}

/** Anything else that breaks the structure: footers, section ids, CONTINUE with no previous block, non-zero fill. */
export class MalformedStreamError extends MemorySnapshotError {
  static override readonly code: string = 'memory-malformed';
  constructor(
    offset: number,
    readonly problem: string,
    readonly found: string,
  ) {
    super(offset, `malformed stream: ${problem}: ${found}`);
  }
}

/** The device state after the RAM is not what QEMU writes (no EOF + VMDESCRIPTION at the end) or too big. */
export class DeviceStateError extends MemorySnapshotError {
  static override readonly code: string = 'memory-device-state';
  constructor(
    offset: number,
    readonly problem: 'no-vmdescription' | 'bad-vmdescription' | 'too-large' | 'bad-start',
    readonly found: string,
  ) {
    super(offset, `device state: ${problem}: ${found}`);
  }
}

/** The writer was asked to emit something that would not be a valid stream. `offset` is the output byte count so far. */
export class StreamWriterError extends MemorySnapshotError {
  static override readonly code: string = 'memory-writer';
  constructor(
    offset: number,
    readonly problem: string,
    readonly found: string,
  ) {
    super(offset, `cannot write stream: ${problem}: ${found}`);
  }
}

/** The libvirt save header is not one this code fully understands (version, flags, padding, XML bounds). */
export class LibvirtSaveHeaderError extends MemorySnapshotError {
  static override readonly code: string = 'memory-libvirt-save-header';
  constructor(
    offset: number,
    readonly problem: string,
    readonly found: string,
  ) {
    super(offset, `libvirt save header: ${problem}: ${found}`);
  }
}
