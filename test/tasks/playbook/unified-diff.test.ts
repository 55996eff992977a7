// Our unified diff against GNU diff -u on the same texts (hunks and lines, not the file headers).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { unifiedDiff } from '../../../tasks/playbook/unified-diff.js';

function gnu(before: string, after: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'clt-diff-'));
  try {
    writeFileSync(join(dir, 'a'), before);
    writeFileSync(join(dir, 'b'), after);
    const out = spawnSync('diff', ['-u', join(dir, 'a'), join(dir, 'b')], { encoding: 'utf8' }).stdout;
    return out.split('\n').slice(2, -1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const lines = (n: number, change: (i: number) => string | undefined = () => undefined): string =>
  Array.from({ length: n }, (_, i) => change(i) ?? `line ${i}`).filter((line) => line !== '').map((line) => `${line}\n`).join('');

describe('unified diff', () => {
  const cases: [string, string, string][] = [
    ['one line changed', 'a\n', 'b\n'],
    ['a new file', '', 'x\ny\n'],
    ['far-apart changes make two hunks', lines(30), lines(30, (i) => (i === 2 ? 'two' : i === 25 ? 'twenty-five' : undefined))],
    ['near changes share a hunk', lines(20), lines(20, (i) => (i === 5 || i === 9 ? `changed ${i}` : undefined))],
    ['lines removed and added', lines(12), lines(12, (i) => (i === 4 ? '' : undefined)) + 'tail\n'],
    ['no newline at the end', 'a\nb\n', 'a\nb'],
  ];
  for (const [name, before, after] of cases) {
    it(`${name}: as diff -u`, () => {
      assert.deepEqual(unifiedDiff(before, after, '/etc/x').slice(2), gnu(before, after));
    });
  }

  it('is empty for equal texts and names the path', () => {
    assert.deepEqual(unifiedDiff('same\n', 'same\n', '/etc/x'), []);
    assert.deepEqual(unifiedDiff('a\n', 'b\n', '/etc/x').slice(0, 2), ['--- /etc/x', '+++ /etc/x']);
  });
});
