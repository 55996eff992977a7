import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamOf } from '../chunks.js';
import { codecFor, CodecLevelError, resolveCodec } from '../../../../sdk/overlay/compress/index.js';

describe('blob codecs', () => {
  it('default to xz at preset 6', () => {
    assert.deepEqual(resolveCodec({ codec: 'xz' }), { codec: 'xz', level: 6 });
    assert.deepEqual(resolveCodec({ codec: 'xz', level: 0 }), { codec: 'xz', level: 0 });
  });

  it('refuse levels outside the codec range', () => {
    assert.throws(() => resolveCodec({ codec: 'xz', level: 10 }), (e: unknown) => e instanceof CodecLevelError && e.level === 10 && e.max === 9);
    assert.throws(() => resolveCodec({ codec: 'xz', level: 1.5 }), CodecLevelError);
  });

  it('offer zstd for fast links, level 3 by default, levels 1–19', async () => {
    assert.deepEqual(resolveCodec({ codec: 'zstd' }), { codec: 'zstd', level: 3 });
    assert.throws(() => resolveCodec({ codec: 'zstd', level: 22 }), CodecLevelError);
    const zstd = codecFor('zstd');
    const data = Buffer.alloc(1 << 20, 'guest page text ');
    const frame = await zstd.compress(data, 3);
    assert.ok(frame.length < data.length / 100);
    const out: Buffer[] = [];
    for await (const piece of zstd.decompress(streamOf(frame.subarray(0, 7), frame.subarray(7)))) out.push(piece);
    assert.ok(Buffer.concat(out).equals(data));
  });

  it('pass data through unchanged with none', async () => {
    const none = codecFor('none');
    const data = Buffer.from('stored as is');
    assert.equal(await none.compress(data, 0), data);
    const out: Buffer[] = [];
    for await (const piece of none.decompress(streamOf(data.subarray(0, 3), data.subarray(3)))) out.push(piece);
    assert.ok(Buffer.concat(out).equals(data));
  });
});
