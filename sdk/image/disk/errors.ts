/**
 * Typed errors of disk-image reading: each carries the file, offsets and values involved, so a caller
 * can report or act on them; tests assert on class and fields, never on text.
 */
import { CloudletError } from '../../errors/cloudlet-error.js';

/** Base class for every failure while mapping, reading or hashing disk images. */
export class DiskImageError extends CloudletError {
  static override readonly code: string = 'disk-image';
}

/** qemu-img failed (missing image, wrong format, image locked by a running VM, …). */
export class QemuImgError extends DiskImageError {
  static override readonly code: string = 'disk-qemu-img-failed';
  constructor(readonly args: readonly string[], readonly exitCode: number | undefined, readonly stderr: string) {
    super(`qemu-img ${args.join(' ')} failed (exit ${exitCode ?? 'none'}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
}

/** qemu-img map printed something this module does not understand or that does not add up. */
export class MapFormatError extends DiskImageError {
  static override readonly code: string = 'disk-map-format';
  constructor(readonly path: string, readonly line: string, readonly problem: string) {
    super(`qemu-img map of ${path}: ${problem}: ${line.slice(0, 200)}`);
  }
}

/** Images are handled in whole 4 KiB chunks; a size that is not a multiple is refused, not padded. */
export class UnalignedSizeError extends DiskImageError {
  static override readonly code: string = 'disk-unaligned-size';
  constructor(readonly path: string, readonly size: number, readonly chunkSize: number) {
    super(`${path}: size ${size} is not a multiple of ${chunkSize}`);
  }
}

export class SizeMismatchError extends DiskImageError {
  static override readonly code: string = 'disk-size-mismatch';
  constructor(readonly image: string, readonly imageSize: number, readonly base: string, readonly baseSize: number) {
    super(`${image} is ${imageSize} bytes but its base ${base} is ${baseSize}; resized disks are not supported`);
  }
}

export type UnsupportedReason =
  | 'encrypted' | 'external-data-file' | 'no-backing' | 'backing-not-raw' | 'backing-chain' | 'compressed-cluster';

/** A qcow2 feature that this fast path does not read (it reads cluster bytes straight from the file). */
export class UnsupportedImageError extends DiskImageError {
  static override readonly code: string = 'disk-unsupported-image';
  constructor(readonly path: string, readonly reason: UnsupportedReason, readonly offset?: number) {
    super(`${path}: unsupported qcow2 (${reason}${offset === undefined ? '' : ` at guest offset ${offset}`}); convert it with qemu-img convert -O qcow2 first`);
  }
}

/** The qcow2 overlay was made on another file than the base it is compared with. */
export class BackingMismatchError extends DiskImageError {
  static override readonly code: string = 'disk-backing-mismatch';
  constructor(readonly image: string, readonly expected: string, readonly actual: string) {
    super(`${image} is backed by ${actual}, not by ${expected}`);
  }
}

/** A file ended before the bytes that had to be there (truncated or changed while being read). */
export class ShortReadError extends DiskImageError {
  static override readonly code: string = 'disk-short-read';
  constructor(readonly path: string, readonly offset: number, readonly expected: number, readonly actual: number) {
    super(`${path}: read ${actual} of ${expected} bytes at offset ${offset}`);
  }
}

/** A hash-list file is not what its header, its length or its checksum says. */
export class HashListFormatError extends DiskImageError {
  static override readonly code: string = 'disk-hash-list-format';
  constructor(readonly path: string, readonly field: string, readonly expected: string | number, readonly actual: string | number) {
    super(`hash list ${path}: ${field} is ${actual}, expected ${expected}`);
  }
}

/** A qcow2 layer was asked for with a setting the writer cannot honour (a programming error of its caller). */
export class Qcow2LayerSpecError extends DiskImageError {
  static override readonly code: string = 'disk-qcow2-layer-spec';
  constructor(readonly field: string, readonly value: unknown, readonly expected: string) {
    super(`qcow2 layer: ${field} is ${String(value)}, expected ${expected}`);
  }
}
