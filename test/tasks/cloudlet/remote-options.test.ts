import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UsageError } from '../../../tasks/errors.js';
import { parseRate } from '../../../tasks/cloudlet/remote-options.js';

describe('--limit-rate', () => {
  it('reads bytes per second with k, M and G suffixes (powers of 1024)', () => {
    assert.equal(parseRate(undefined), undefined);
    assert.equal(parseRate('2048'), 2048);
    assert.equal(parseRate('500k'), 512_000);
    assert.equal(parseRate('20M'), 20 * 1024 ** 2);
    assert.equal(parseRate('1.5g'), Math.floor(1.5 * 1024 ** 3));
  });

  it('refuses what is no rate, and rates under 1k', () => {
    for (const text of ['fast', '10 MB', '-5M', '0', '100', 'M']) assert.throws(() => parseRate(text), UsageError, text);
  });
});
