import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { streamOf } from '../chunks.js';
import { codecFor, CodecLevelError, CodecUnavailableError, resolveCodec } from '../../../../sdk/overlay/compress/index.js';

describe('blob codecs', () => {
  it('default to xz at preset 6', () => {
    assert.deepEqual(resolveCodec({ codec: 'xz' }), { codec: 'xz', level: 6 });
    assert.deepEqual(resolveCodec({ codec: 'xz', level: 0 }), { codec: 'xz', level: 0 });
  });

  it('refuse levels outside the codec range', () => {
    assert.throws(() => resolveCodec({ codec: 'xz', level: 10 }), (e: unknown) => e instanceof CodecLevelError && e.level === 10 && e.max === 9);
    assert.throws(() => resolveCodec({ codec: 'xz', level: 1.5 }), CodecLevelError);
  });

  it('name zstd but refuse it until a binding is installed', () => {
    assert.throws(() => codecFor('zstd'), (e: unknown) => e instanceof CodecUnavailableError && e.codec === 'zstd');
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
