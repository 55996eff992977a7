import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RelayPool, type RelayLease } from '../../../tasks/cloudlet/relay-pool.js';

const hosts = (n: number): string[] => Array.from({ length: n }, (_, i) => `h${i + 1}`);
const who = (lease: RelayLease<string>): string => (lease.kind === 'operator' ? 'operator' : lease.name);
const settled = async <T>(promise: Promise<T>): Promise<boolean> => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('the relay pool', () => {
  it('has the operator send once and the hosts spread it as a tree (fanout 1)', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(3), parallel: 10 }, 1);
    for (const h of hosts(3)) pool.join(h);
    const [a1, a2, a3] = hosts(3).map((h) => pool.acquire(h));
    assert.equal(who(await a1!), 'operator');
    assert.equal(await settled(a2!), false, 'the operator serves one host while no host has the archive');
    pool.release('h1', await a1!, { received: 'via-h1' });
    const l2 = await a2!;
    assert.deepEqual(l2, { kind: 'host', name: 'h1', handle: 'via-h1' });
    assert.equal(await settled(a3!), false, 'h1 serves one at a time and the operator waits for the tree');
    pool.release('h2', l2, { received: 'via-h2' });
    assert.notEqual(who(await a3!), 'operator', 'a host serves it, not the operator a second time');
  });

  it('serves up to fanout targets per source at once', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(4), parallel: 10 }, 2);
    for (const h of hosts(4)) pool.join(h);
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    const leases = await Promise.all(['h2', 'h3'].map((h) => pool.acquire(h)));
    assert.deepEqual(leases.map(who), ['h1', 'h1']);
    const third = pool.acquire('h4');
    assert.equal(await settled(third), false);
    pool.release('h2', leases[0]!, {});
    assert.equal(who(await third), 'h1');
  });

  it('drops a failed source; its target gets the operator when no host has or gets the archive', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(2), parallel: 10 }, 2);
    for (const h of hosts(2)) pool.join(h);
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    const lease = await pool.acquire('h2');
    pool.release('h2', lease, { sourceFailed: true });
    assert.equal(who(await pool.acquire('h2')), 'operator');
  });

  it('keeps a source until nobody can need it, then lets it retire', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(3), parallel: 10 }, 1);
    for (const h of hosts(2)) pool.join(h);
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    const retired = pool.retire('h1');
    assert.equal(await settled(retired), false, 'h2 has not decided, h3 has not begun');
    pool.settle('h2');
    pool.join('h3');
    const lease = await pool.acquire('h3');
    assert.equal(who(lease), 'h1');
    pool.release('h3', lease, {});
    assert.equal(await settled(retired), false, 'h3 is deciding again until it leaves');
    pool.leave('h3');
    await retired;
  });

  it('does not wait forever for a host that never begins', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(2), parallel: 10 }, 1, 50);
    pool.join('h1');
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    const started = Date.now();
    await pool.retire('h1');
    assert.ok(Date.now() - started >= 40);
  });

  it('retires at once when every worker is busy (fewer workers than hosts: no deadlock)', async () => {
    const pool = new RelayPool<string>({ hosts: hosts(3), parallel: 1 }, 1, 60_000);
    pool.join('h1');
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    await pool.retire('h1');
  });

  it('on Ctrl-C hands waiting hosts to the operator path (which meets the abort) and retires sources', async () => {
    const abort = new AbortController();
    const pool = new RelayPool<string>({ hosts: hosts(3), parallel: 10, signal: abort.signal }, 1);
    for (const h of hosts(3)) pool.join(h);
    pool.release('h1', await pool.acquire('h1'), { received: 'h1' });
    const busy = await pool.acquire('h2');
    const waiting = pool.acquire('h3');
    const retired = pool.retire('h1');
    abort.abort();
    assert.equal(who(await waiting), 'operator');
    assert.equal(await settled(retired), false, 'a source stays while it serves');
    pool.release('h2', busy, {});
    await retired;
  });
});
