import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { writeHashList } from '../../../../sdk/image/disk/index.js';
import { BaseHashListError, openItemEncoder } from '../../../../sdk/overlay/encode/index.js';
import { guestPage } from '../chunks.js';

let dir: string;

describe('opening an item encoder on base files', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'open-encoder-'));
    await writeFile(join(dir, 'base.raw'), Buffer.concat([guestPage(1), guestPage(2), Buffer.alloc(4096)]));
    await writeFile(join(dir, 'other.raw'), Buffer.concat([guestPage(1), guestPage(2)]));
    await writeHashList(join(dir, 'base.raw'), join(dir, 'base.hashes'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('dedups against a base disk alone (no memory)', async () => {
    const { encoder, dedup, close } = await openItemEncoder({ disk: { image: join(dir, 'base.raw'), hashes: join(dir, 'base.hashes') } });
    try {
      assert.deepEqual(await encoder.encode({ kind: 'memory', index: 5, data: guestPage(2) }), { kind: 'memory', index: 5, encoding: 'base-disk', chunk: 1 });
      assert.equal((await encoder.encode({ kind: 'memory', index: 6, data: guestPage(3) }))?.encoding, 'raw');
      assert.ok(dedup.bytes > 0);
    } finally {
      await close();
    }
  });

  it('refuses a hash list made for another image', async () => {
    await assert.rejects(
      openItemEncoder({ disk: { image: join(dir, 'other.raw'), hashes: join(dir, 'base.hashes') } }),
      (e: unknown) => e instanceof BaseHashListError && e.listed === 3 && e.actual === 2,
    );
  });
});
