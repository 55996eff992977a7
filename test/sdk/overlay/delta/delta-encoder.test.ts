import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { loadXdelta } from '../../../../native/xdelta.js';
import { xzCompress } from '../../../../native/lzma.js';
import { DeltaDecoder, DeltaEncoder } from '../../../../sdk/overlay/delta/index.js';
import { ItemStreamWriter } from '../../../../sdk/overlay/items/index.js';
import { guestPage, prng, touched } from '../chunks.js';

/** Incompressible-ish content unrelated to any base: a rewritten page. */
function randomPage(seed: number): Buffer {
  const rand = prng(seed + 7);
  return Buffer.from(Array.from({ length: 4096 }, () => rand(256)));
}

describe('delta encoder', () => {
  it('writes a page with a few bytes changed as an xdelta3 patch much smaller than the page', async () => {
    const delta = await DeltaEncoder.create();
    const base = guestPage(1);
    const body = delta.encode(touched(base, 5, 1), base);
    assert.equal(body.encoding, 'xdelta3');
    assert.ok(body.encoding === 'xdelta3' && body.patch.length < 100);
    assert.deepEqual(delta.stats, { raw: 0, xdelta3: 1, xor: 0 });
  });

  it('writes a rewritten page raw: its patch would not be smaller than the page compressed', async () => {
    const delta = await DeltaEncoder.create();
    for (const next of [randomBytes(4096), randomPage(1)]) assert.equal(delta.encode(next, guestPage(1)).encoding, 'raw');
  });

  it('chooses a delta exactly when the patch is smaller than the deflated page', async () => {
    const delta = await DeltaEncoder.create();
    const xd = await loadXdelta();
    const chosen = { raw: 0, xdelta3: 0 };
    for (let seed = 0; seed < 60; seed++) {
      const base = guestPage(seed);
      const next = seed % 3 === 0 ? guestPage(seed + 1000) : touched(base, 1 + seed * 25, seed);
      const patch = xd.encode(next, base, 4095);
      const smaller = patch !== undefined && patch.length < deflateRawSync(next, { level: 1 }).length;
      const body = delta.encode(next, base);
      assert.equal(body.encoding, smaller ? 'xdelta3' : 'raw', `seed ${seed}`);
      chosen[body.encoding === 'xdelta3' ? 'xdelta3' : 'raw']++;
    }
    assert.ok(chosen.raw > 5 && chosen.xdelta3 > 5, JSON.stringify(chosen));
  });

  it('makes the compressed items smaller than raw-only or delta-always on a mix of modifications', async () => {
    const policy = await DeltaEncoder.create();
    const xd = await loadXdelta();
    const streams = { policy: new ItemStreamWriter(4 << 20), raw: new ItemStreamWriter(4 << 20), always: new ItemStreamWriter(4 << 20) };
    for (let index = 0; index < 240; index++) {
      const base = guestPage(index);
      const next = index % 3 === 0 ? randomPage(index) : touched(base, index % 3 === 1 ? 4 : 300, index);
      const address = { kind: 'memory', index } as const;
      streams.policy.add({ ...address, ...policy.encode(next, base) });
      streams.raw.add({ ...address, encoding: 'raw', data: next });
      const patch = xd.encode(next, base, 4095);
      streams.always.add(patch === undefined ? { ...address, encoding: 'raw', data: next } : { ...address, encoding: 'xdelta3', patch });
    }
    const size = async (writer: ItemStreamWriter) => (await xzCompress(writer.finish().bytes, { preset: 1 })).length;
    const [chosen, raw, always] = [await size(streams.policy), await size(streams.raw), await size(streams.always)];
    assert.ok(chosen < raw && chosen <= always, `policy ${chosen}, raw ${raw}, delta always ${always}`);
  });

  it('writes raw when there is no base chunk at the address, or deltas are off', async () => {
    assert.equal((await DeltaEncoder.create()).encode(guestPage(1), undefined).encoding, 'raw');
    assert.equal((await DeltaEncoder.create('none')).encode(touched(guestPage(1), 1, 1), guestPage(1)).encoding, 'raw');
  });

  it('uses xor when asked, under the same rule', async () => {
    const delta = await DeltaEncoder.create('xor');
    assert.equal(delta.encode(touched(guestPage(1), 3, 1), guestPage(1)).encoding, 'xor');
    assert.equal(delta.encode(randomBytes(4096), guestPage(1)).encoding, 'raw');
  });
});

describe('delta decoder', () => {
  it('rebuilds every body the encoder makes, bit-exact', async () => {
    const decoder = await DeltaDecoder.create();
    for (const algorithm of ['xdelta3', 'xor', 'none'] as const) {
      const encoder = await DeltaEncoder.create(algorithm);
      for (let seed = 0; seed < 20; seed++) {
        const base = guestPage(seed);
        const next = touched(base, seed * 30, seed);
        assert.ok(decoder.decode(encoder.encode(next, base), base).equals(next), `${algorithm} ${seed}`);
      }
    }
  });

  it('refuses a delta without its base chunk', async () => {
    const decoder = await DeltaDecoder.create();
    assert.throws(() => decoder.decode({ encoding: 'xor', mask: Buffer.alloc(4096) }, undefined), RangeError);
  });
});
