import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { byteCounter, phaseSequence, runPhase, within, type Progress } from '../../../sdk/progress/index.js';

describe('progress events', () => {
  it('runPhase wraps work in a start and an end with its time and detail, and emits no end on failure', async () => {
    const seen: Progress[] = [];
    assert.equal(await runPhase((e) => seen.push(e), 'copy', undefined, async () => 42, (n) => `${n} bytes`), 42);
    await assert.rejects(runPhase((e) => seen.push(e), 'save', undefined, () => Promise.reject(new Error('no'))));
    assert.deepEqual(seen.map((e) => e.kind), ['phase-start', 'phase-end', 'phase-start']);
    const end = seen[1]!;
    assert.ok(end.kind === 'phase-end' && end.detail === '42 bytes' && end.elapsedMs >= 0);
  });

  it('a phase sequence ends each phase when the next starts, and the last on end()', () => {
    const seen: Progress[] = [];
    const phases = phaseSequence((e) => seen.push(e));
    phases.start('open');
    phases.start('apply');
    phases.end();
    phases.end();
    assert.deepEqual(seen.map((e) => `${e.kind} ${'phase' in e ? e.phase : ''}`), ['phase-start open', 'phase-end open', 'phase-start apply', 'phase-end apply']);
  });

  it("marks a callee's phases as within the caller's, and passes other events as they are", () => {
    const seen: Progress[] = [];
    const inner = within((e) => seen.push(e), 'overlay');
    inner({ kind: 'phase-start', phase: 'encode' });
    inner({ kind: 'blob', name: 'b1', items: 1, size: 2, uncompressedSize: 3 });
    assert.deepEqual(seen, [{ kind: 'phase-start', phase: 'encode', within: 'overlay' }, { kind: 'blob', name: 'b1', items: 1, size: 2, uncompressedSize: 3 }]);
  });

  it('counts bytes in steps, always reporting the last count', () => {
    const seen: Progress[] = [];
    const count = byteCounter((e) => seen.push(e), 'download', 25, 10);
    for (let i = 0; i < 5; i += 1) count.add(5);
    count.done();
    assert.deepEqual(seen.map((e) => (e.kind === 'bytes' ? e.done : -1)), [10, 20, 25]);
    assert.ok(seen.every((e) => e.kind === 'bytes' && e.total === 25));
  });
});
