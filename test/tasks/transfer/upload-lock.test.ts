// The upload lock on a real host: two uploads of one file to one path at once (one sends, the
// other waits and finds the file there), and a lock left by an operator gone long ago.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { labContext } from '../../fixtures/lab-context.js';

const MB = 1_000_000;

describe('the upload lock on a real host', () => {
  let lab: Lab;
  let local: string;
  before(async () => {
    lab = await startLab([{ name: 'a' }]);
    local = mkdtempSync(join(tmpdir(), 'upload-lock-test-'));
  });
  after(() => lab?.stop());

  const outside = (remote: string): string => join(lab.host('a').rootDir, remote);

  it('lets one of two concurrent uploads send the file; the other waits and ends skipped', async () => {
    const bytes = randomBytes(3 * MB);
    const path = join(local, 'same.bin');
    writeFileSync(path, bytes);
    const remote = '/home/ops/shared/same.bin';
    const [one, two] = await Promise.all([labContext(lab, 'a'), labContext(lab, 'a')]);
    try {
      const results = await Promise.all([one, two].map(({ ctx }) => ctx.upload(path, remote, { bytesPerSecond: 2 * MB })));
      const sent = results.filter((r) => !r.skipped);
      const skipped = results.filter((r) => r.skipped);
      assert.equal(sent.length, 1, JSON.stringify(results));
      assert.equal(sent[0]!.sentBytes, bytes.length);
      assert.equal(skipped[0]!.sentBytes, 0);
      const sha256 = createHash('sha256').update(bytes).digest('hex');
      assert.ok(results.every((r) => r.sha256 === sha256));
      assert.deepEqual(readFileSync(outside(remote)), bytes);
      const waiter = results[0]!.skipped ? one : two;
      const warning = waiter.events.find((e) => e.type === 'progress' && e.progress.kind === 'warning');
      assert.match(JSON.stringify(warning), /waiting for another upload of \/home\/ops\/shared\/same\.bin/);
      assert.ok(!existsSync(outside(`${remote}.lock`)) && !existsSync(outside(`${remote}.part`)));
    } finally {
      await Promise.all([one.connection.close(), two.connection.close()]);
    }
  });

  it('takes over a lock whose owner stopped refreshing it more than a minute ago', async () => {
    const bytes = randomBytes(MB);
    const path = join(local, 'stale.bin');
    writeFileSync(path, bytes);
    const remote = '/home/ops/stale.bin';
    const lock = outside(`${remote}.lock`);
    mkdirSync(lock, { mode: 0o700 });
    writeFileSync(join(lock, 'owner'), 'gone-operator 0\n');
    const { uid, gid } = statSync(outside('/home/ops'));
    for (const made of [lock, join(lock, 'owner')]) chownSync(made, uid, gid);
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    utimesSync(join(lock, 'owner'), twoMinutesAgo, twoMinutesAgo);
    const { ctx, connection } = await labContext(lab, 'a');
    try {
      const started = Date.now();
      const result = await ctx.upload(path, remote);
      assert.ok(Date.now() - started < 20_000);
      assert.equal(result.sentBytes, bytes.length);
      assert.deepEqual(readFileSync(outside(remote)), bytes);
      assert.deepEqual(readdirSync(outside('/home/ops')).filter((name) => name.startsWith('stale.bin.')), [], 'neither the lock nor the stale one is left');
    } finally {
      await connection.close();
    }
  });
});
