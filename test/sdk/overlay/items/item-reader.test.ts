import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeItems,
  DuplicateItemError,
  ItemCountError,
  ItemFieldError,
  ItemHeaderError,
  ItemLengthError,
  ItemRangeError,
  ItemStreamWriter,
  ItemVersionError,
  MissingReferenceError,
  TrailingBytesError,
  TruncatedItemStreamError,
  UnclaimedItemError,
  type DecodeItemsOptions,
  type OverlayItem,
} from '../../../../sdk/overlay/items/index.js';

const limits = { memory: 100, disk: 200, baseMemory: 100, baseDisk: 200 };
const page = (fill: number) => Buffer.alloc(4096, fill);

const sample: OverlayItem[] = [
  { kind: 'memory', index: 0, encoding: 'raw', data: page(1) },
  { kind: 'memory', index: 1, encoding: 'zero' },
  { kind: 'memory', index: 2, encoding: 'base-memory', page: 99 },
  { kind: 'disk', index: 7, encoding: 'base-disk', chunk: 199 },
  { kind: 'disk', index: 8, encoding: 'self', target: { kind: 'memory', index: 0 } },
  { kind: 'disk', index: 9, encoding: 'xdelta3', patch: Buffer.from('patch bytes') },
  { kind: 'memory', index: 3, encoding: 'xor', mask: page(2) },
];

function encode(items: readonly OverlayItem[], capacity = 1 << 20): Buffer {
  const writer = new ItemStreamWriter(capacity);
  for (const item of items) writer.add(item);
  return writer.finish().bytes;
}

/** Feeds `bytes` in pieces of `size` (the decoder must not care where pieces end). */
async function* pieces(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size);
}

async function decode(bytes: Buffer, options: Partial<DecodeItemsOptions> = {}, pieceSize = 1000): Promise<OverlayItem[]> {
  const out: OverlayItem[] = [];
  for await (const { offset: _offset, ...item } of decodeItems(pieces(bytes, pieceSize), { limits, ...options })) out.push(item);
  return out;
}

/** Rejects with `type` whose fields include `fields`. */
async function refused(bytes: Buffer, type: new (...args: never[]) => Error, fields: Record<string, unknown>, options: Partial<DecodeItemsOptions> = {}): Promise<void> {
  await assert.rejects(decode(bytes, options), (error: unknown) => {
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    for (const [key, value] of Object.entries(fields)) assert.deepEqual((error as unknown as Record<string, unknown>)[key], value, key);
    return true;
  });
}

/** Offset of the n-th item header in the stream made of `sample`. */
function itemOffset(n: number): number {
  let at = 16;
  for (const item of sample.slice(0, n)) at += 16 + ({ raw: 4096, zero: 0, 'base-memory': 8, 'base-disk': 8, self: 9, xdelta3: 11, xor: 4096 } as const)[item.encoding];
  return at;
}

function edited(edit: (bytes: Buffer) => void): Buffer {
  const bytes = Buffer.from(encode(sample));
  edit(bytes);
  return bytes;
}

describe('item stream reader', () => {
  it('returns every item of every encoding exactly as written, however the stream is cut', async () => {
    const bytes = encode(sample);
    for (const size of [1, 7, 16, 4113, bytes.length]) assert.deepEqual(await decode(bytes, {}, size), sample);
  });

  it('reports each item with the offset of its header', async () => {
    const offsets: number[] = [];
    for await (const item of decodeItems(pieces(encode(sample), 64), { limits })) offsets.push(item.offset);
    assert.deepEqual(offsets, sample.map((_, i) => itemOffset(i)));
  });

  it('accepts an empty stream (header and end record only)', async () => {
    assert.deepEqual(await decode(encode([])), []);
  });

  it('refuses another magic, an unknown version (checked first), flags or chunk size', async () => {
    await refused(edited((b) => b.write('X', 0)), ItemHeaderError, { offset: 0, field: 'magic' });
    await refused(edited((b) => { b.writeUInt16LE(2, 8); b.writeUInt16LE(1, 10); }), ItemVersionError, { offset: 8, version: 2 });
    await refused(edited((b) => b.writeUInt16LE(1, 10)), ItemHeaderError, { offset: 10, field: 'flags' });
    await refused(edited((b) => b.writeUInt32LE(512, 12)), ItemHeaderError, { offset: 12, field: 'chunk size' });
  });

  it('refuses unknown kinds, encodings and non-zero reserved bytes', async () => {
    await refused(edited((b) => b.writeUInt8(3, itemOffset(1))), ItemFieldError, { offset: itemOffset(1), field: 'kind', value: 3 });
    await refused(edited((b) => b.writeUInt8(7, itemOffset(1) + 1)), ItemFieldError, { offset: itemOffset(1) + 1, field: 'encoding', value: 7 });
    await refused(edited((b) => b.writeUInt8(1, itemOffset(1) + 5)), ItemFieldError, { offset: itemOffset(1) + 4, field: 'reserved' });
    await refused(edited((b) => b.writeUInt8(3, itemOffset(4) + 16)), ItemFieldError, { offset: itemOffset(4) + 16, field: 'reference kind' });
  });

  it('refuses a payload length the encoding does not allow, before reading the payload', async () => {
    // raw declaring 65535 bytes in a stream far shorter: the length is refused, not awaited.
    await refused(edited((b) => b.writeUInt16LE(65535, itemOffset(0) + 2)), ItemLengthError, { offset: itemOffset(0) + 2, encoding: 'raw', length: 65535 });
    await refused(edited((b) => b.writeUInt16LE(4095, itemOffset(0) + 2)), ItemLengthError, { length: 4095 });
    await refused(edited((b) => b.writeUInt16LE(1, itemOffset(1) + 2)), ItemLengthError, { encoding: 'zero', length: 1 });
    await refused(edited((b) => b.writeUInt16LE(0, itemOffset(5) + 2)), ItemLengthError, { encoding: 'xdelta3', length: 0 });
    await refused(edited((b) => b.writeUInt16LE(4096, itemOffset(5) + 2)), ItemLengthError, { encoding: 'xdelta3', length: 4096 });
  });

  it('refuses indexes beyond the image, and references beyond the base', async () => {
    await refused(edited((b) => b.writeBigUInt64LE(100n, itemOffset(0) + 8)), ItemRangeError, { offset: itemOffset(0) + 8, space: 'memory', index: 100, limit: 100 });
    await refused(edited((b) => b.writeBigUInt64LE(2n ** 64n - 1n, itemOffset(3) + 8)), ItemRangeError, { space: 'disk', limit: 200 });
    await refused(edited((b) => b.writeBigUInt64LE(100n, itemOffset(2) + 16)), ItemRangeError, { offset: itemOffset(2) + 16, space: 'base-memory', index: 100 });
    await refused(edited((b) => b.writeBigUInt64LE(200n, itemOffset(3) + 16)), ItemRangeError, { space: 'base-disk', index: 200 });
    await refused(edited((b) => b.writeBigUInt64LE(500n, itemOffset(4) + 17)), ItemRangeError, { offset: itemOffset(4) + 17, space: 'memory', index: 500 });
    // A delta needs its own address inside the base, which may be smaller than the image.
    const delta: OverlayItem[] = [{ kind: 'disk', index: 9, encoding: 'xor', mask: page(1) }];
    await refused(encode(delta), ItemRangeError, { offset: 24, space: 'base-disk', index: 9, limit: 9 }, { limits: { ...limits, baseDisk: 9 } });
  });

  it('refuses a self reference to an item not delivered before it', async () => {
    const forward: OverlayItem[] = [{ kind: 'disk', index: 1, encoding: 'self', target: { kind: 'disk', index: 2 } }, { kind: 'disk', index: 2, encoding: 'zero' }];
    await refused(encode(forward), MissingReferenceError, { offset: 32, target: { kind: 'disk', index: 2 } });
    const outside: OverlayItem[] = [{ kind: 'disk', index: 1, encoding: 'self', target: { kind: 'memory', index: 5 } }];
    await refused(encode(outside), MissingReferenceError, { target: { kind: 'memory', index: 5 } });
    assert.equal((await decode(encode(outside), { earlier: (t) => t.kind === 'memory' && t.index === 5 })).length, 1);
  });

  it('refuses an address that appears twice', async () => {
    const twice = edited((b) => b.writeBigUInt64LE(0n, itemOffset(1) + 8));
    await refused(twice, DuplicateItemError, { offset: itemOffset(1), address: { kind: 'memory', index: 0 } });
  });

  it('refuses items the blob meta does not claim, and claims the stream does not fill', async () => {
    const claims = { memory: [{ first: 0, count: 4 }], disk: [{ first: 7, count: 3 }] };
    assert.equal((await decode(encode(sample), { claims })).length, sample.length);
    await refused(encode(sample), UnclaimedItemError, { offset: itemOffset(3), address: { kind: 'disk', index: 7 } }, { claims: { ...claims, disk: [{ first: 8, count: 2 }] } });
    await refused(encode(sample), ItemCountError, { what: 'claims', expected: 8, actual: 7 }, { claims: { ...claims, disk: [{ first: 6, count: 4 }] } });
  });

  it('refuses a truncated stream: inside a header, inside a payload, or without end record', async () => {
    const bytes = encode(sample);
    await refused(bytes.subarray(0, 10), TruncatedItemStreamError, { offset: 0, needed: 16, available: 10 });
    await refused(bytes.subarray(0, itemOffset(0) + 16 + 100), TruncatedItemStreamError, { offset: itemOffset(0) + 16, needed: 4096, available: 100 });
    await refused(bytes.subarray(0, bytes.length - 16), TruncatedItemStreamError, { offset: bytes.length - 16, needed: 16, available: 0 });
  });

  it('refuses an end record whose count disagrees, and bytes after it', async () => {
    const bytes = encode(sample);
    await refused(edited((b) => b.writeBigUInt64LE(6n, b.length - 8)), ItemCountError, { offset: bytes.length - 8, what: 'end-record', expected: 7, actual: 6 });
    await refused(Buffer.concat([bytes, Buffer.of(0)]), TrailingBytesError, { offset: bytes.length });
  });

  it('stops pulling from its source when it refuses', async () => {
    let pulled = 0;
    let closed = false;
    const bad = edited((b) => b.writeUInt8(9, itemOffset(0)));
    const source = (async function* () {
      try {
        for (let at = 0; at < bad.length; at += 16) {
          pulled++;
          yield bad.subarray(at, at + 16);
        }
      } finally {
        closed = true;
      }
    })();
    await assert.rejects(async () => {
      for await (const _ of decodeItems(source, { limits }));
    }, ItemFieldError);
    assert.equal(pulled, 2);
    assert.ok(closed);
  });
});
