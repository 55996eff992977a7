import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderer } from '../../../sdk/cli/render-progress.js';
import type { CliIo } from '../../../sdk/cli/command.js';
import type { Progress } from '../../../sdk/progress/index.js';

function io(): { io: CliIo; lines: string[] } {
  const lines: string[] = [];
  const stdout = { write: (text: string) => lines.push(...text.split('\n').filter((l) => l !== '')) };
  return { io: { stdout, stderr: stdout, stdin: process.stdin, env: {}, signal: new AbortController().signal }, lines };
}

const EVENTS: Progress[] = [
  { kind: 'phase-start', phase: 'copy' },
  { kind: 'bytes', phase: 'copy', done: 10, total: 20 },
  { kind: 'phase-end', phase: 'copy', elapsedMs: 12, detail: 'disk.raw' },
  { kind: 'phase-end', phase: 'encode', within: 'overlay', elapsedMs: 5, detail: '' },
  { kind: 'blob', name: 'b1', items: 3, size: 100, uncompressedSize: 400 },
  { kind: 'warning', message: 'slow disk' },
];

describe('the cloudlet CLI renders progress events', () => {
  it('as lines for people: phase ends with their times, nested ones indented; no starts, bytes or blobs', () => {
    const { io: out, lines } = io();
    const render = renderer(out, false);
    EVENTS.forEach(render.progress);
    render.result(['done'], { ok: true });
    assert.deepEqual(lines, ['copy            12 ms  disk.raw', '  encode         5 ms', 'warning: slow disk', 'done']);
  });

  it('with --json as one versioned event per line, the same objects, then the result', () => {
    const { io: out, lines } = io();
    const render = renderer(out, true);
    EVENTS.forEach(render.progress);
    render.result(['done'], { ok: true });
    assert.deepEqual(lines.map((line) => JSON.parse(line) as unknown), [...EVENTS.map((e) => ({ v: 1, ...e })), { v: 1, kind: 'result', ok: true }]);
  });
});
