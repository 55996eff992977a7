import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import { MetaFieldError } from '../../../../sdk/overlay/package/errors.js';
import { MsgpackCursor } from '../../../../sdk/overlay/package/msgpack-cursor.js';

const cursor = (bytes: number[] | Uint8Array) => new MsgpackCursor(Uint8Array.from(bytes));
const refused = (field: string) => (e: unknown) => e instanceof MetaFieldError && e.field === field;

describe('msgpack cursor', () => {
  it('reads unsigned integers in every width up to 2^53−1', () => {
    for (const n of [0, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      assert.equal(cursor(encode(n)).uint('n', Number.MAX_SAFE_INTEGER), n);
    }
  });

  it('refuses integers above the limit, above 2^53−1, negative, or of another type', () => {
    assert.throws(() => cursor(encode(11)).uint('n', 10), refused('n'));
    assert.throws(() => cursor([0xcf, 0x00, 0x20, 0, 0, 0, 0, 0, 0]).uint('n', Number.MAX_SAFE_INTEGER), refused('n'));
    assert.throws(() => cursor(encode(-1)).uint('n', 10), refused('n'));
    assert.throws(() => cursor(encode(1.5)).uint('n', 10), refused('n'));
    assert.throws(() => cursor(encode(null)).uint('n', 10), refused('n'));
  });

  it('reads strings of every header size and refuses long ones before reading them', () => {
    for (const s of ['', 'a', 'x'.repeat(31), 'x'.repeat(32), 'x'.repeat(300), 'x'.repeat(70_000), 'é']) {
      assert.equal(cursor(encode(s)).str('s', 100_000), s);
    }
    assert.throws(() => cursor([0xdb, 0xff, 0xff, 0xff, 0xff]).str('s', 100), refused('s'));
    assert.throws(() => cursor(encode(Uint8Array.of(1))).str('s', 100), refused('s'));
  });

  it('reads array and map headers of every size', () => {
    for (const n of [0, 15, 16, 70_000]) {
      assert.equal(cursor(encode(new Array(n).fill(0))).arrayHeader('a', 100_000), n);
      assert.equal(cursor(encode(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 0])))).mapHeader('m'), n);
    }
  });

  it('refuses a declared length larger than the bytes that remain', () => {
    assert.throws(() => cursor([0xdd, 0x00, 0x01, 0x00, 0x00, 0x00]).arrayHeader('a', 2 ** 32), refused('a'));
    assert.throws(() => cursor([0xdf, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]).mapHeader('m'), refused('m'));
    assert.throws(() => cursor([0xda, 0x00, 0x05, 0x61]).str('s', 100), refused('s'));
    assert.throws(() => cursor([0xcd, 0x01]).uint('n', 1000), refused('n'));
    assert.throws(() => cursor([]).uint('n', 1000), refused('n'));
  });

  it('refuses more elements than the caller allows', () => {
    assert.throws(() => cursor(encode([1, 2, 3])).arrayHeader('a', 2), refused('a'));
  });

  it('refuses bytes after the last value', () => {
    const c = cursor([0x01, 0x02]);
    c.uint('n', 10);
    assert.throws(() => c.end('(meta)'), refused('(meta)'));
  });
});
