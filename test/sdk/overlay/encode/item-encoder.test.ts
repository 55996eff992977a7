import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BaseDigestTable, Deduplicator } from '../../../../sdk/overlay/dedup/index.js';
import { DeltaEncoder } from '../../../../sdk/overlay/delta/index.js';
import { ChunkLengthError, ItemEncoder, type OverlayChunk } from '../../../../sdk/overlay/encode/index.js';
import { chunkArray, digestsOf, guestPage, touched } from '../chunks.js';

const zero = Buffer.alloc(4096);
const both = guestPage(50);

/** Base memory: [p0, both, zero, p3]; base disk: [both, p11, zero, p13]. */
async function encoder(): Promise<ItemEncoder> {
  const memory = [guestPage(0), both, zero, guestPage(3)];
  const disk = [both, guestPage(11), zero, guestPage(13)];
  const base = { memory: chunkArray(4, memory), disk: chunkArray(4, disk) };
  const dedup = new Deduplicator({
    memory: { table: await BaseDigestTable.build(digestsOf(memory)), reader: base.memory },
    disk: { table: await BaseDigestTable.build(digestsOf(disk)), reader: base.disk },
  });
  return new ItemEncoder({ base, dedup, delta: await DeltaEncoder.create() });
}

describe('item encoder', () => {
  it('leaves out a chunk equal to the base chunk at its address', async () => {
    const e = await encoder();
    assert.equal(await e.encode({ kind: 'memory', index: 3, data: guestPage(3) }), undefined);
    assert.equal(await e.encode({ kind: 'disk', index: 2, data: zero }), undefined);
    assert.equal(e.stats.memory.unchanged + e.stats.disk.unchanged, 2);
  });

  it('encodes a zero chunk as zero though base pages are zero too', async () => {
    const e = await encoder();
    assert.deepEqual(await e.encode({ kind: 'memory', index: 0, data: zero }), { kind: 'memory', index: 0, encoding: 'zero' });
  });

  it('refers to a base memory page before an equal base disk chunk, from either kind', async () => {
    const e = await encoder();
    assert.deepEqual(await e.encode({ kind: 'disk', index: 1, data: both }), { kind: 'disk', index: 1, encoding: 'base-memory', page: 1 });
    assert.deepEqual(await e.encode({ kind: 'memory', index: 3, data: guestPage(13) }), { kind: 'memory', index: 3, encoding: 'base-disk', chunk: 3 });
  });

  it('refers to an earlier item that carries the same content, memory and disk both ways', async () => {
    const e = await encoder();
    const fresh = randomBytes(4096);
    assert.equal((await e.encode({ kind: 'memory', index: 0, data: fresh }))?.encoding, 'raw');
    assert.deepEqual(await e.encode({ kind: 'disk', index: 3, data: fresh }), { kind: 'disk', index: 3, encoding: 'self', target: { kind: 'memory', index: 0 } });
    const other = randomBytes(4096);
    await e.encode({ kind: 'disk', index: 0, data: other });
    assert.deepEqual(await e.encode({ kind: 'memory', index: 5, data: other }), { kind: 'memory', index: 5, encoding: 'self', target: { kind: 'disk', index: 0 } });
  });

  it('writes a lightly changed chunk as a delta, and one past the base raw', async () => {
    const e = await encoder();
    assert.equal((await e.encode({ kind: 'disk', index: 1, data: touched(guestPage(11), 3, 1) }))?.encoding, 'xdelta3');
    assert.equal((await e.encode({ kind: 'disk', index: 9, data: touched(guestPage(11), 3, 2) }))?.encoding, 'raw');
  });

  it('yields only the changed chunks of a stream, counting each kind of item', async () => {
    const e = await encoder();
    const chunks: OverlayChunk[] = [
      { kind: 'memory', index: 0, data: guestPage(0) },
      { kind: 'memory', index: 1, data: zero },
      { kind: 'disk', index: 0, data: guestPage(3) },
    ];
    const items = [];
    for await (const item of e.items((async function* () { yield* chunks; })())) items.push(item.encoding);
    assert.deepEqual(items, ['zero', 'base-memory']);
    assert.equal(e.stats.memory.unchanged, 1);
    assert.equal(e.stats.disk['base-memory'], 1);
  });

  it('refuses a chunk that is not 4096 bytes', async () => {
    const e = await encoder();
    await assert.rejects(e.encode({ kind: 'disk', index: 0, data: Buffer.alloc(512) }), (err: unknown) => err instanceof ChunkLengthError && err.length === 512);
  });
});
