import assert from 'node:assert/strict';
import { hash, randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { BaseDigestTable, BaseIndexLimitError, BaseSourceChangedError } from '../../../../sdk/overlay/dedup/index.js';
import { digestsOf, guestPage } from '../chunks.js';

const sha = (chunk: Buffer) => hash('sha256', chunk, 'buffer');

describe('base digest table', () => {
  it('finds the lowest index holding each non-zero digest and nothing for other digests', async () => {
    const chunks = [guestPage(1), Buffer.alloc(4096), guestPage(2), guestPage(1), Buffer.alloc(4096), guestPage(3)];
    const table = await BaseDigestTable.build(digestsOf(chunks));
    assert.equal(table.entries, 3);
    assert.equal(table.find(sha(guestPage(1))), 0);
    assert.equal(table.find(sha(guestPage(2))), 2);
    assert.equal(table.find(sha(guestPage(3))), 5);
    assert.equal(table.find(sha(Buffer.alloc(4096))), undefined, 'zero chunks are left out');
    assert.equal(table.find(sha(guestPage(4))), undefined);
  });

  it('builds an empty table from an empty or all-zero base', async () => {
    for (const chunks of [[], [Buffer.alloc(4096)]]) {
      const table = await BaseDigestTable.build(digestsOf(chunks));
      assert.equal(table.entries, 0);
      assert.equal(table.find(sha(guestPage(1))), undefined);
    }
  });

  it('takes about 17 bytes per distinct chunk: 4.3 MiB per GiB of base', async () => {
    const count = 262144; // 1 GiB of 4 KiB chunks
    const digests = randomBytes(32 * count);
    const table = await BaseDigestTable.build(async function* () {
      for (let index = 0; index < count; index++) yield { index, digest: digests.subarray(32 * index, 32 * index + 32) };
    });
    assert.equal(table.entries, count);
    assert.ok(table.bytes <= 4.5 * 2 ** 20, `${table.bytes} bytes`);
    for (const index of [0, 1, 99999, count - 1]) assert.equal(table.find(digests.subarray(32 * index, 32 * index + 32)), index);
  });

  it('refuses a source that changes between its two passes', async () => {
    let pass = 0;
    const source = async function* () {
      pass++;
      for (let index = 0; index < 3 + pass; index++) yield { index, digest: sha(guestPage(index)) };
    };
    await assert.rejects(BaseDigestTable.build(source), (e: unknown) => e instanceof BaseSourceChangedError && e.counted === 4 && e.seen === 5);
  });

  it('refuses indexes a u32 slot cannot hold', async () => {
    const source = async function* () {
      yield { index: 2 ** 32, digest: sha(guestPage(1)) };
    };
    await assert.rejects(BaseDigestTable.build(source), BaseIndexLimitError);
  });
});
