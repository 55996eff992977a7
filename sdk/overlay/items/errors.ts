/**
 * Typed errors of the overlay item stream. Each carries `offset`, the byte position in the
 * uncompressed stream where the bad record or field starts, plus the values involved; tests assert
 * on class and fields, never on text.
 */
import type { Encoding, ItemAddress } from './item-format.js';
import { CloudletError } from '../../errors/cloudlet-error.js';

export type ItemSpace = 'memory' | 'disk' | 'base-memory' | 'base-disk';

/** Base class: every refusal of an item stream is one of these. */
export class ItemStreamError extends CloudletError {
  static override readonly code: string = 'item-stream';
  constructor(readonly offset: number, message: string) {
    super(`item stream, byte ${offset}: ${message}`);
  }
}

/** Not an item stream (magic), or a header field with a value this reader does not know. */
export class ItemHeaderError extends ItemStreamError {
  static override readonly code: string = 'item-header';
  constructor(offset: number, readonly field: string, readonly expected: string | number, readonly actual: string | number) {
    super(offset, `${field} is ${actual}, expected ${expected}`);
  }
}

/** Checked right after the magic, before anything else is interpreted. */
export class ItemVersionError extends ItemStreamError {
  static override readonly code: string = 'item-version';
  constructor(offset: number, readonly version: number, readonly supported: number) {
    super(offset, `format version ${version} is not supported (this reader knows ${supported})`);
  }
}

/** A record field (kind, encoding, reserved bytes, reference kind) holds an unknown code. */
export class ItemFieldError extends ItemStreamError {
  static override readonly code: string = 'item-field';
  constructor(offset: number, readonly field: string, readonly value: number) {
    super(offset, `unknown or invalid ${field} ${value}`);
  }
}

/** The payload length is not one the encoding allows; checked before the payload is read. */
export class ItemLengthError extends ItemStreamError {
  static override readonly code: string = 'item-length';
  constructor(offset: number, readonly encoding: Encoding, readonly length: number, readonly min: number, readonly max: number) {
    super(offset, `${encoding} payload of ${length} bytes; ${min}…${max} allowed`);
  }
}

/** An index (the item's own, or one it refers to) lies past the end of its space. */
export class ItemRangeError extends ItemStreamError {
  static override readonly code: string = 'item-range';
  constructor(offset: number, readonly space: ItemSpace, readonly index: number, readonly limit: number) {
    super(offset, `${space} index ${index} is beyond the ${limit} chunks of the ${space}`);
  }
}

/** A self reference to an item that was not delivered before it. */
export class MissingReferenceError extends ItemStreamError {
  static override readonly code: string = 'item-missing-reference';
  constructor(offset: number, readonly target: ItemAddress) {
    super(offset, `refers to ${target.kind} ${target.index}, which no earlier item holds`);
  }
}

export class DuplicateItemError extends ItemStreamError {
  static override readonly code: string = 'item-duplicate';
  constructor(offset: number, readonly address: ItemAddress) {
    super(offset, `${address.kind} ${address.index} appears twice`);
  }
}

/** The blob's meta does not claim this item (the meta and the blob disagree). */
export class UnclaimedItemError extends ItemStreamError {
  static override readonly code: string = 'item-unclaimed';
  constructor(offset: number, readonly address: ItemAddress) {
    super(offset, `${address.kind} ${address.index} is not among the chunks the blob's meta lists`);
  }
}

/** Item counts disagree: end record vs items read, items vs chunks claimed, or too many items. */
export class ItemCountError extends ItemStreamError {
  static override readonly code: string = 'item-count';
  constructor(offset: number, readonly what: 'end-record' | 'claims' | 'limit', readonly expected: number, readonly actual: number) {
    super(offset, `${actual} items where ${what} allows ${expected}`);
  }
}

/** The stream ends inside a record, or without its end record. */
export class TruncatedItemStreamError extends ItemStreamError {
  static override readonly code: string = 'item-stream-truncated';
  constructor(offset: number, readonly needed: number, readonly available: number) {
    super(offset, `needs ${needed} more bytes, the stream has ${available}`);
  }
}

/** Bytes after the end record. */
export class TrailingBytesError extends ItemStreamError {
  static override readonly code: string = 'item-trailing-bytes';
  constructor(offset: number) {
    super(offset, 'data after the end record');
  }
}

/** The encoder was handed an item the format cannot hold (a bug of the caller, refused before writing). */
export class InvalidItemError extends ItemStreamError {
  static override readonly code: string = 'item-invalid';
  constructor(offset: number, readonly address: ItemAddress, readonly problem: string) {
    super(offset, `cannot encode ${address.kind} ${address.index}: ${problem}`);
  }
}
