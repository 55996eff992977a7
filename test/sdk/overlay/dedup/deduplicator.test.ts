import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { describe, it } from 'node:test';
import { BaseDigestTable, Deduplicator, type DigestSource } from '../../../../sdk/overlay/dedup/index.js';
import { chunkArray, digestsOf, guestPage } from '../chunks.js';

const sha = (chunk: Buffer) => hash('sha256', chunk, 'buffer');
const shared = guestPage(100);
const zero = Buffer.alloc(4096);

/** Base memory [p1, shared, zero], base disk [zero, p2, shared]. */
async function dedup(memoryDigests?: DigestSource): Promise<Deduplicator> {
  const memory = [guestPage(1), shared, zero];
  const disk = [zero, guestPage(2), shared];
  return new Deduplicator({
    memory: { table: await BaseDigestTable.build(memoryDigests ?? digestsOf(memory)), reader: chunkArray(3, memory) },
    disk: { table: await BaseDigestTable.build(digestsOf(disk)), reader: chunkArray(3, disk) },
  });
}

describe('deduplicator', () => {
  it('matches a zero chunk as zero, though base memory and base disk hold zero chunks too', async () => {
    assert.deepEqual(await (await dedup()).match(sha(zero), zero), { encoding: 'zero' });
  });

  it('prefers a base memory page to an equal base disk chunk', async () => {
    assert.deepEqual(await (await dedup()).match(sha(shared), shared), { encoding: 'base-memory', page: 1 });
  });

  it('prefers a base disk chunk to an earlier item', async () => {
    const d = await dedup();
    d.remember(sha(guestPage(2)), { kind: 'memory', index: 9 });
    assert.deepEqual(await d.match(sha(guestPage(2)), guestPage(2)), { encoding: 'base-disk', chunk: 1 });
  });

  it('falls back to the earliest remembered item, memory and disk both ways', async () => {
    const d = await dedup();
    assert.equal(await d.match(sha(guestPage(3)), guestPage(3)), undefined);
    d.remember(sha(guestPage(3)), { kind: 'disk', index: 4 });
    d.remember(sha(guestPage(3)), { kind: 'memory', index: 5 });
    d.remember(sha(guestPage(4)), { kind: 'memory', index: 6 });
    assert.deepEqual(await d.match(sha(guestPage(3)), guestPage(3)), { encoding: 'self', target: { kind: 'disk', index: 4 } });
    assert.deepEqual(await d.match(sha(guestPage(4)), guestPage(4)), { encoding: 'self', target: { kind: 'memory', index: 6 } });
  });

  it('confirms a base hit against the chunk bytes and goes on when they differ', async () => {
    // A stale list claims base memory page 0 holds `shared`: the bytes say otherwise, so base disk wins.
    const lying: DigestSource = async function* () {
      yield { index: 0, digest: sha(shared) };
    };
    const d = await dedup(lying);
    assert.deepEqual(await d.match(sha(shared), shared), { encoding: 'base-disk', chunk: 2 });
    assert.equal(d.stats.falseCandidates, 1);
  });
});
