import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonRenderer } from '../../../tasks/render/json-renderer.js';
import { plainRenderer } from '../../../tasks/render/plain-renderer.js';
import type { StepEvent } from '../../../tasks/run/events.js';

const step = (fields: Partial<StepEvent>): StepEvent => ({
  type: 'step', host: 'h1', step: 'fuse', title: 'FUSE', status: 'unchanged', verdict: false, detail: 'configured', details: [], notes: [], durationMs: 12, ...fields,
});

describe('step events', () => {
  it('print as the log lines they replaced: title, status and detail, the lines under it, its notes', () => {
    const lines: string[] = [];
    const { emit } = plainRenderer((line) => lines.push(line));
    emit(step({ notes: ['log out and in again'] }));
    emit(step({ step: 'verify', title: 'Verify', verdict: true, detail: 'READY (KVM)', details: ['ok    qemu  QEMU 7.2'] }));
    emit(step({ step: 'packages', title: 'Packages', status: 'would-change', detail: 'apt-get install qemu-utils' }));
    assert.deepEqual(lines, [
      '[h1] FUSE: unchanged: configured',
      '[h1] FUSE: NOTE: log out and in again',
      '[h1] Verify: READY (KVM)',
      '[h1]   ok    qemu  QEMU 7.2',
      '[h1] Packages: would-change: apt-get install qemu-utils',
    ]);
  });

  it('go out under --json as they are, with the time', () => {
    const lines: string[] = [];
    jsonRenderer((line) => lines.push(line)).emit(step({}));
    const { time, ...event } = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(typeof time, 'string');
    assert.deepEqual(event, step({}));
  });
});
