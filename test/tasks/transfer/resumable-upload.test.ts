// ctx.upload against a real sshd: a full upload and its skipped repeat, resumes after an abort
// and after a closed connection, a flipped byte in a partial (starts over) and in the sent file
// (refused, removed), and the rate limit.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TransferError } from '../../../tasks/errors.js';
import type { RunEvent } from '../../../tasks/run/events.js';
import { UploadCorruptError } from '../../../tasks/transfer/errors.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { labContext } from '../../fixtures/lab-context.js';

const MB = 1_000_000;

/** The bytes-done count of a progress event, or -1. */
const doneOf = (event: RunEvent): number => (event.type === 'progress' && event.progress.kind === 'bytes' ? event.progress.done : -1);
const kinds = (events: RunEvent[]): string[] => events.flatMap((e) => (e.type === 'progress' ? [e.progress.kind] : []));

describe('ctx.upload on a real host', () => {
  let lab: Lab;
  let local: string;
  before(async () => {
    lab = await startLab([{ name: 'a' }]);
    local = mkdtempSync(join(tmpdir(), 'upload-test-'));
  });
  after(() => lab?.stop());

  const file = (name: string, size: number): { path: string; bytes: Buffer; sha256: string } => {
    const bytes = randomBytes(size);
    const path = join(local, name);
    writeFileSync(path, bytes);
    return { path, bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
  };
  /** A path on the host as the test sees it from outside. */
  const outside = (remote: string): string => join(lab.host('a').rootDir, remote);

  it('uploads into new 0700 directories as a 0600 file, then skips the same file without sending', async () => {
    const { path, bytes, sha256 } = file('full.bin', 4 * MB);
    const remote = '/home/ops/up/deep/full.bin';
    const { ctx, events, connection } = await labContext(lab, 'a');
    try {
      const first = await ctx.upload(path, remote);
      assert.deepEqual({ ...first, durationMs: 0 }, { path: remote, skipped: false, resumedFrom: 0, sentBytes: bytes.length, durationMs: 0, sha256 });
      assert.deepEqual(readFileSync(outside(remote)), bytes);
      assert.equal(statSync(outside(remote)).mode & 0o777, 0o600);
      for (const dir of ['/home/ops/up', '/home/ops/up/deep']) assert.equal(statSync(outside(dir)).mode & 0o777, 0o700, dir);
      assert.ok(!existsSync(outside(`${remote}.part`)) && !existsSync(outside(`${remote}.lock`)));
      assert.equal(kinds(events)[0], 'phase-start');
      assert.equal(kinds(events).at(-1), 'phase-end');
      assert.equal(Math.max(...events.map(doneOf)), bytes.length);
      assert.ok(events.every((e) => e.type === 'progress' && e.host === 'a'), 'an upload shows as progress only');

      events.length = 0;
      const again = await ctx.upload(path, remote, { sha256 });
      assert.deepEqual([again.skipped, again.sentBytes, again.resumedFrom], [true, 0, 0]);
      assert.deepEqual(kinds(events), ['phase-start', 'phase-end']);
    } finally {
      await connection.close();
    }
  });

  it('resumes an aborted upload from its partial, and starts over when a byte of the partial was flipped', async () => {
    const { path, bytes } = file('abort.bin', 4 * MB);
    const remote = '/home/ops/up/abort.bin';
    const controller = new AbortController();
    const { ctx, connection } = await labContext(lab, 'a', (event) => doneOf(event) >= MB && controller.abort());
    try {
      await assert.rejects(ctx.upload(path, remote, { bytesPerSecond: 2 * MB, signal: controller.signal }), { name: 'AbortError' });
      const partial = statSync(outside(`${remote}.part`)).size;
      assert.ok(partial > 0 && partial < bytes.length, `partial of ${partial} bytes`);
      assert.ok(!existsSync(outside(`${remote}.lock`)), 'the lock is released');
      const resumed = await ctx.upload(path, remote);
      assert.deepEqual([resumed.skipped, resumed.resumedFrom, resumed.sentBytes], [false, partial, bytes.length - partial]);
      assert.deepEqual(readFileSync(outside(remote)), bytes);

      const abortAgain = new AbortController();
      const second = await labContext(lab, 'a', (event) => doneOf(event) >= MB && abortAgain.abort());
      try {
        const other = file('abort-2.bin', 4 * MB);
        await assert.rejects(second.ctx.upload(other.path, remote, { bytesPerSecond: 2 * MB, signal: abortAgain.signal }), { name: 'AbortError' });
        flipByte(outside(`${remote}.part`), 100);
        second.events.length = 0;
        const restarted = await second.ctx.upload(other.path, remote);
        assert.deepEqual([restarted.resumedFrom, restarted.sentBytes], [0, other.bytes.length]);
        const warning = second.events.find((e) => e.type === 'progress' && e.progress.kind === 'warning');
        assert.match(JSON.stringify(warning), /does not match the local file's first bytes: starting over/);
        assert.deepEqual(readFileSync(outside(remote)), other.bytes);
      } finally {
        await second.connection.close();
      }
    } finally {
      await connection.close();
    }
  });

  it('resumes after the connection was closed mid-way, taking over the lock it left at once', async () => {
    const { path, bytes } = file('cut.bin', 4 * MB);
    const remote = '/home/ops/up/cut.bin';
    let closing: Promise<void> | undefined;
    const cut = await labContext(lab, 'a', (event) => {
      if (doneOf(event) >= MB) closing ??= cut.connection.close();
    });
    await assert.rejects(cut.ctx.upload(path, remote, { bytesPerSecond: 2 * MB }), (error: unknown) => error instanceof TransferError);
    await closing;
    const partial = statSync(outside(`${remote}.part`)).size;
    assert.ok(partial > 0, 'a partial upload is left');
    assert.ok(existsSync(outside(`${remote}.lock`)), 'the closed connection could not release its lock');
    const { ctx, connection } = await labContext(lab, 'a');
    try {
      const started = Date.now();
      const resumed = await ctx.upload(path, remote);
      assert.ok(Date.now() - started < 20_000, 'the lock of a closed session is taken over without waiting for it to age');
      assert.equal(resumed.resumedFrom, partial);
      assert.equal(resumed.sentBytes, bytes.length - partial);
      assert.deepEqual(readFileSync(outside(remote)), bytes);
    } finally {
      await connection.close();
    }
  });

  it('refuses and removes an upload whose bytes changed on the host after they were sent', async () => {
    const { path, sha256 } = file('corrupt.bin', 3 * MB);
    const remote = '/home/ops/up/corrupt.bin';
    let flipped = false;
    const { ctx, connection } = await labContext(lab, 'a', (event) => {
      if (!flipped && doneOf(event) >= MB) {
        flipped = true;
        flipByte(outside(`${remote}.part`), 10);
      }
    });
    try {
      await assert.rejects(ctx.upload(path, remote, { bytesPerSecond: 3 * MB }), (error: unknown) => {
        assert.ok(error instanceof UploadCorruptError);
        assert.deepEqual([error.host, error.path, error.expected, error.code], ['a', remote, sha256, 'upload-corrupt']);
        assert.match(error.actual, /^[0-9a-f]{64}$/);
        assert.notEqual(error.actual, sha256);
        return true;
      });
      assert.ok(flipped);
      assert.ok(!existsSync(outside(`${remote}.part`)) && !existsSync(outside(remote)), 'nothing is left');
    } finally {
      await connection.close();
    }
  });

  it('keeps to the rate limit', async () => {
    const { path, bytes } = file('slow.bin', 2 * MB);
    const { ctx, connection } = await labContext(lab, 'a');
    try {
      const started = Date.now();
      const result = await ctx.upload(path, '/home/ops/up/slow.bin', { bytesPerSecond: MB });
      const seconds = (Date.now() - started) / 1000;
      assert.ok(seconds >= 1.8 && seconds < 8, `2 MB at 1 MB/s took ${seconds} s`);
      assert.equal(result.sentBytes, bytes.length);
    } finally {
      await connection.close();
    }
  });
});

/** Inverts one byte of a file in place (the file keeps its owner and mode). */
function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  const fd = openSync(path, 'r+');
  try {
    writeSync(fd, Buffer.from([bytes[offset]! ^ 0xff]), 0, 1, offset);
  } finally {
    closeSync(fd);
  }
}
