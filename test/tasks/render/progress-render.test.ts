// Progress run events in the three renderers: plain lines (phases, warnings, bytes at most every
// 2 s per host plus the last), the listr2 line's text (phase, bytes, percent, rate) and --json
// (the event with the host, its progress object carrying the format version).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROGRESS_EVENT_VERSION, type Progress } from '../../../sdk/progress/index.js';
import { jsonRenderer } from '../../../tasks/render/json-renderer.js';
import { plainRenderer } from '../../../tasks/render/plain-renderer.js';
import { ByteRates, bytesLine, progressLine } from '../../../tasks/render/progress-lines.js';
import type { RunEvent } from '../../../tasks/run/events.js';

const MB = 1_000_000;
const event = (host: string, progress: Progress): RunEvent => ({ type: 'progress', host, progress });
const bytes = (done: number, total = 60 * MB): Progress => ({ kind: 'bytes', phase: 'upload', done, total });

describe('progress events', () => {
  it('show phase and bytes on the listr2 line: amount, percent and rate', () => {
    const rates = new ByteRates();
    assert.equal(bytesLine({ kind: 'bytes', phase: 'upload', done: 12 * MB, total: 60 * MB }, 8.1 * MB), 'upload 12.0/60.0 MB 20% 8.1 MB/s');
    assert.equal(bytesLine({ kind: 'bytes', phase: 'apply', within: 'synthesize', done: 5 * MB }), 'synthesize/apply 5.0 MB');
    assert.equal(rates.rate('h1', { kind: 'bytes', phase: 'upload', done: 4 * MB }, 1000), undefined);
    assert.equal(rates.rate('h1', { kind: 'bytes', phase: 'upload', done: 6 * MB }, 1200), undefined, 'no rate before half a second');
    assert.equal(rates.rate('h1', { kind: 'bytes', phase: 'upload', done: 12 * MB }, 2000), 8 * MB);
    assert.equal(rates.rate('h2', { kind: 'bytes', phase: 'upload', done: 0 }, 2000), undefined, 'each host has its own');
    assert.equal(progressLine({ kind: 'phase-start', phase: 'upload' }), 'upload: started');
    assert.equal(progressLine({ kind: 'phase-end', phase: 'upload', elapsedMs: 3200, detail: 'sent 60.0 of 60.0 MB' }), 'upload: done in 3.2 s: sent 60.0 of 60.0 MB');
    assert.equal(progressLine({ kind: 'warning', message: 'starting over' }), 'warning: starting over');
  });

  it('print plain lines, with bytes at most every 2 s per host and always the last count', () => {
    const lines: string[] = [];
    let now = 0;
    const { emit } = plainRenderer((line) => lines.push(line), () => now);
    emit(event('h1', { kind: 'phase-start', phase: 'upload' }));
    for (const [time, done] of [[0, 0], [500, 6], [1000, 12], [2000, 18], [2500, 24], [4000, 36]] as const) {
      now = time;
      emit(event('h1', bytes(done * MB)));
      emit(event('h2', bytes(done * MB / 2)));
    }
    now = 4100;
    emit(event('h1', bytes(60 * MB)));
    emit(event('h1', { kind: 'warning', message: 'the partial upload x.part (5 bytes) does not match: starting over' }));
    emit(event('h1', { kind: 'phase-end', phase: 'upload', elapsedMs: 4100, detail: 'sent 60.0 of 60.0 MB in 4.1 s' }));
    emit(event('h1', { kind: 'blob', name: 'b', items: 1, size: 1, uncompressedSize: 1 }));
    assert.deepEqual(lines, [
      '[h1] upload: started',
      '[h1] upload 0.0/60.0 MB 0%',
      '[h2] upload 0.0/60.0 MB 0%',
      '[h1] upload 18.0/60.0 MB 30% 9.0 MB/s',
      '[h2] upload 9.0/60.0 MB 15% 4.5 MB/s',
      '[h1] upload 36.0/60.0 MB 60% 9.0 MB/s',
      '[h2] upload 18.0/60.0 MB 30% 4.5 MB/s',
      '[h1] upload 60.0/60.0 MB 100% 14.6 MB/s',
      '[h1] warning: the partial upload x.part (5 bytes) does not match: starting over',
      '[h1] upload: done in 4.1 s: sent 60.0 of 60.0 MB in 4.1 s',
    ]);
  });

  it('go out under --json as one line each, with the host and the progress format version', () => {
    const lines: string[] = [];
    jsonRenderer((line) => lines.push(line)).emit(event('h1', bytes(12 * MB)));
    const { time, ...rest } = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.equal(typeof time, 'string');
    assert.deepEqual(rest, { type: 'progress', host: 'h1', progress: { v: PROGRESS_EVENT_VERSION, kind: 'bytes', phase: 'upload', done: 12 * MB, total: 60 * MB } });
  });
});
