import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectionError, HostKeyUnknownError } from '../../../tasks/errors.js';
import { backoffDelay, withRetries } from '../../../tasks/run/retry.js';

const policy = { retries: 2, baseDelayMs: 1, maxDelayMs: 4 };

describe('withRetries', () => {
  it('doubles the delay per attempt, with jitter, up to the cap', () => {
    const half = (): number => 0.5;
    assert.equal(backoffDelay({ retries: 5, baseDelayMs: 100, maxDelayMs: 1000 }, 1, half), 100);
    assert.equal(backoffDelay({ retries: 5, baseDelayMs: 100, maxDelayMs: 1000 }, 3, half), 400);
    assert.equal(backoffDelay({ retries: 5, baseDelayMs: 100, maxDelayMs: 1000 }, 9, half), 1000);
  });

  it('retries retryable connection errors and reports each retry', async () => {
    let calls = 0;
    const retries: number[] = [];
    const value = await withRetries(
      policy,
      async () => {
        calls += 1;
        if (calls < 3) throw new ConnectionError('h', 'a', 22, 'refused', { retryable: true });
        return 'up';
      },
      (attempt) => retries.push(attempt),
    );
    assert.equal(value, 'up');
    assert.deepEqual(retries, [1, 2]);
  });

  it('gives up after the allowed retries with the last error', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(policy, async () => {
        calls += 1;
        throw new ConnectionError('h', 'a', 22, 'refused', { retryable: true });
      }, () => undefined),
      ConnectionError,
    );
    assert.equal(calls, 3);
  });

  it('never retries a refused host key', async () => {
    let calls = 0;
    await assert.rejects(
      withRetries(policy, async () => {
        calls += 1;
        throw new HostKeyUnknownError('h', 'a', 22, 'ssh-ed25519', 'SHA256:x', '/k');
      }, () => undefined),
      HostKeyUnknownError,
    );
    assert.equal(calls, 1);
  });
});
