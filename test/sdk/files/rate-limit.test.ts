// The token bucket of uploads: every byte passes, in order, at the rate; a destroyed stage stops waiting.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, it } from 'node:test';
import { RateLimit } from '../../../sdk/files/rate-limit.js';

describe('RateLimit', () => {
  it('passes every byte, in order, at the rate given (starting with an empty bucket)', async () => {
    const input = randomBytes(600_000);
    const output: Buffer[] = [];
    const started = Date.now();
    await pipeline(
      Readable.from([input.subarray(0, 250_000), input.subarray(250_000)]),
      new RateLimit(400_000),
      new Writable({ write: (chunk: Buffer, _encoding, done) => (output.push(chunk), done()) }),
    );
    const seconds = (Date.now() - started) / 1000;
    assert.deepEqual(Buffer.concat(output), input);
    assert.ok(seconds >= 1.4 && seconds < 3, `600 kB at 400 kB/s took ${seconds} s`);
    assert.ok(output.every((chunk) => chunk.length <= 100_000), 'no burst above a quarter second of bytes');
  });

  it('stops waiting when destroyed', async () => {
    const limit = new RateLimit(10);
    const ended = pipeline(Readable.from([Buffer.alloc(1000)]), limit, new Writable({ write: (_c, _e, done) => done() }));
    setTimeout(() => limit.destroy(new Error('gone')), 50);
    await assert.rejects(ended, /gone/);
  });
});
