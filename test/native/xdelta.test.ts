import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { loadXdelta, XdeltaError } from '../../native/xdelta.js';

describe('xdelta3 edge', () => {
  it('patches a page against its base and back, bit-exact', async () => {
    const xd = await loadXdelta();
    const base = randomBytes(4096);
    const page = Buffer.from(base);
    page.write('changed', 1000);
    const patch = xd.encode(page, base, 4096);
    assert.ok(patch !== undefined && patch.length < 100);
    assert.ok(xd.decode(patch, base, 4096).equals(page));
  });

  it('returns undefined when no patch fits the size asked for', async () => {
    const xd = await loadXdelta();
    assert.equal(xd.encode(randomBytes(4096), randomBytes(4096), 1000), undefined);
  });

  it('refuses garbage, a patch for another size, and sizes outside its bounds with XdeltaError', async () => {
    const xd = await loadXdelta();
    const base = randomBytes(4096);
    assert.throws(() => xd.decode(Buffer.from('not a vcdiff patch'), base, 4096), (e: unknown) => e instanceof XdeltaError && e.operation === 'decode');
    const patch = xd.encode(Buffer.alloc(4096, 1), base, 4096)!;
    assert.throws(() => xd.decode(patch, base, 2048), XdeltaError);
    assert.throws(() => xd.decode(patch, base, 8192), (e: unknown) => e instanceof XdeltaError && /expected 8192/.test(e.reason));
    assert.throws(() => xd.encode(Buffer.alloc(1 << 17), base, 4096), XdeltaError);
  });

  it('survives thousands of corrupted patches: each a 4096-byte result or an XdeltaError, never a crash', async () => {
    const xd = await loadXdelta();
    const base = randomBytes(4096);
    const page = Buffer.from(base);
    page.write('a few changed bytes', 300);
    const patch = xd.encode(page, base, 4096)!;
    for (let i = 0; i < 3000; i++) {
      const bad = Buffer.from(patch);
      for (let j = 0; j <= i % 4; j++) bad[(i * 7919 + j * 104729) % bad.length] = (i * 31 + j) & 0xff;
      try {
        assert.equal(xd.decode(bad, base, 4096).length, 4096);
      } catch (error) {
        assert.ok(error instanceof XdeltaError, String(error));
      }
    }
    assert.ok(xd.decode(patch, base, 4096).equals(page));
  });

  it('loads once: every call shares the module', async () => {
    assert.equal(await loadXdelta(), await loadXdelta());
  });
});
