import { MetaFieldError } from './errors.js';

/**
 * A bounds-checked reader for the msgpack subset overlay-meta uses. Generic decoders are not used on
 * untrusted meta: @msgpack/msgpack allocates `new Array(declaredLength)` before reading elements, so a
 * few KB of nested array headers reserve gigabytes. Here the caller reads the structure it expects,
 * and every declared length is checked against the bytes that remain before anything is allocated.
 *
 * Accepted encodings (msgpack spec, big-endian):
 * | value  | first byte            | length / payload                                   |
 * |--------|-----------------------|----------------------------------------------------|
 * | uint   | 0x00–0x7f             | the value itself (positive fixint)                 |
 * | uint   | 0xcc 0xcd 0xce 0xcf   | u8 u16 u32 u64 follows; u64 must be ≤ 2^53−1       |
 * | str    | 0xa0–0xbf             | length in low 5 bits, then UTF-8                   |
 * | str    | 0xd9 0xda 0xdb        | u8 u16 u32 length, then UTF-8                      |
 * | array  | 0x90–0x9f / 0xdc 0xdd | length in low 4 bits / u16 / u32, then elements    |
 * | map    | 0x80–0x8f / 0xde 0xdf | pairs in low 4 bits / u16 / u32, then key, value…  |
 * Anything else (negative ints, floats, nil, bool, bin, ext) is refused where a value is expected.
 */
export class MsgpackCursor {
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Number of key/value pairs in the map that starts here. */
  mapHeader(field: string): number {
    const b = this.byte(field);
    const count = b >= 0x80 && b <= 0x8f ? b & 0x0f : b === 0xde ? this.be(field, 2) : b === 0xdf ? this.be(field, 4) : -1;
    if (count < 0) throw new MetaFieldError(field, `expected a map, found msgpack type 0x${b.toString(16)}`);
    this.need(field, count * 2);
    return count;
  }

  /** Number of elements in the array that starts here, at most `max`. */
  arrayHeader(field: string, max: number): number {
    const b = this.byte(field);
    const count = b >= 0x90 && b <= 0x9f ? b & 0x0f : b === 0xdc ? this.be(field, 2) : b === 0xdd ? this.be(field, 4) : -1;
    if (count < 0) throw new MetaFieldError(field, `expected an array, found msgpack type 0x${b.toString(16)}`);
    if (count > max) throw new MetaFieldError(field, `array of ${count} elements exceeds ${max}`);
    this.need(field, count);
    return count;
  }

  /** A UTF-8 string of at most `maxBytes` bytes. */
  str(field: string, maxBytes: number): string {
    const b = this.byte(field);
    const length = b >= 0xa0 && b <= 0xbf ? b & 0x1f : b === 0xd9 ? this.be(field, 1) : b === 0xda ? this.be(field, 2) : b === 0xdb ? this.be(field, 4) : -1;
    if (length < 0) throw new MetaFieldError(field, `expected a string, found msgpack type 0x${b.toString(16)}`);
    if (length > maxBytes) throw new MetaFieldError(field, `string of ${length} bytes exceeds ${maxBytes}`);
    this.need(field, length);
    const text = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.at, length).toString('utf8');
    this.at += length;
    return text;
  }

  /** An unsigned integer no larger than `max` (itself at most 2^53−1). */
  uint(field: string, max: number): number {
    const b = this.byte(field);
    const value = b <= 0x7f ? b : b === 0xcc ? this.be(field, 1) : b === 0xcd ? this.be(field, 2) : b === 0xce ? this.be(field, 4) : b === 0xcf ? this.be(field, 8) : -1;
    if (value < 0) throw new MetaFieldError(field, `expected an unsigned integer, found msgpack type 0x${b.toString(16)}`);
    if (!Number.isSafeInteger(value) || value > max) throw new MetaFieldError(field, `${value} exceeds ${max}`);
    return value;
  }

  /** Refuses bytes after the last value. */
  end(field: string): void {
    if (this.at !== this.bytes.length) throw new MetaFieldError(field, `${this.bytes.length - this.at} bytes follow the meta map`);
  }

  private byte(field: string): number {
    this.need(field, 1);
    return this.bytes[this.at++]!;
  }

  private be(field: string, width: 1 | 2 | 4 | 8): number {
    this.need(field, width);
    let value = 0;
    for (let i = 0; i < width; i++) value = value * 256 + this.bytes[this.at + i]!;
    this.at += width;
    return value;
  }

  /** Every element takes at least one byte, so a count larger than what remains is refused here too. */
  private need(field: string, length: number): void {
    if (length > this.bytes.length - this.at) {
      throw new MetaFieldError(field, `needs ${length} bytes at offset ${this.at}, only ${this.bytes.length - this.at} remain`);
    }
  }
}
