import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, hostTable } from '../../../tasks/builtin/host-table.js';
import type { HostResult } from '../../../tasks/run/events.js';

describe('one table across hosts', () => {
  it('says how long ago, in the largest unit that reads well', () => {
    const now = Date.parse('2026-12-06T12:00:00Z');
    assert.equal(age('2026-12-06T11:59:20Z', now), '40s');
    assert.equal(age('2026-12-06T11:48:00Z', now), '12m');
    assert.equal(age('2026-12-06T07:00:00Z', now), '5h');
    assert.equal(age('2026-12-01T12:00:00Z', now), '5d');
    assert.equal(age('not a date', now), '-');
  });

  it('puts the host first on every row and lists hosts without a value under the table', () => {
    const results: HostResult[] = [
      { host: 'lab1', status: 'ok', durationMs: 5, value: [{ name: 'web-lab1', state: 'running' }] },
      { host: 'lab2', status: 'ok', durationMs: 5, value: [{ name: 'web-lab2', state: 'running' }, { name: 'db', state: 'paused' }] },
      { host: 'lab3', status: 'unreachable', durationMs: 5, error: { name: 'ConnectionError', code: 'host-unreachable', message: 'lab3: refused', category: 'connection' } },
    ];
    const lines = hostTable(results, ['NAME', 'STATE'], (vms: { name: string; state: string }[]) => vms.map((vm) => [vm.name, vm.state]), 'no VMs');
    assert.deepEqual(lines, [
      'HOST  NAME      STATE',
      'lab1  web-lab1  running',
      'lab2  web-lab2  running',
      'lab2  db        paused',
      'lab3: unreachable (host-unreachable)',
    ]);
    assert.deepEqual(hostTable([], ['NAME'], () => [], 'no VMs'), ['no VMs']);
  });
});
