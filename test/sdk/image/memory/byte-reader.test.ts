import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ByteReader, TruncatedStreamError } from '../../../../sdk/image/memory/index.js';
import { chunked } from './hand-made-stream.js';

describe('ByteReader', () => {
  const bytes = randomBytes(3 * 4096 + 17);

  it('reads fields that straddle chunk edges, for chunk sizes around the field sizes', async () => {
    for (const size of [1, 3, 4095, 4096, 4097, bytes.length]) {
      const reader = new ByteReader(chunked(bytes, size), 100);
      await reader.need(1 + 4 + 8, 'fields');
      assert.equal(reader.u8(), bytes[0]);
      assert.equal(reader.u32(), bytes.readUInt32BE(1));
      assert.deepEqual(reader.u64Parts(), [bytes.readUInt32BE(5), bytes.readUInt32BE(9)]);
      await reader.need(4096, 'a page');
      assert.deepEqual(reader.bytes(4096), bytes.subarray(13, 13 + 4096));
      assert.equal(reader.offset, 100 + 13 + 4096, `chunks of ${size}`);
      assert.deepEqual(await reader.rest(1 << 20), bytes.subarray(13 + 4096));
      assert.equal(await reader.atEnd(), true);
    }
  });

  it('throws TruncatedStreamError at the field that does not fit, with what is left', async () => {
    const reader = new ByteReader(chunked(bytes.subarray(0, 10), 3), 50);
    await reader.need(8, 'u64');
    reader.u64Parts();
    await assert.rejects(reader.need(4, 'u32 field'), (error: unknown) => {
      assert.ok(error instanceof TruncatedStreamError);
      assert.deepEqual([error.offset, error.expected, error.needed, error.available], [58, 'u32 field', 4, 2]);
      return true;
    });
  });

  it('returns undefined from rest() when more than the limit is left (one byte over the edge)', async () => {
    assert.equal(await new ByteReader(chunked(bytes, 1000)).rest(bytes.length - 1), undefined);
    assert.equal((await new ByteReader(chunked(bytes, 1000)).rest(bytes.length))!.length, bytes.length);
  });

  it('reads a byte range of a file, end exclusive', async () => {
    const reader = ByteReader.fromFile(process.execPath, 1, 4);
    await reader.need(3, 'ELF');
    assert.equal(reader.latin1(3), 'ELF');
    assert.equal(await reader.atEnd(), true);
  });
});
