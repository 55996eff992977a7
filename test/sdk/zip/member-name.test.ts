import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_MEMBER_NAME_BYTES, memberNameProblem } from '../../../sdk/zip/member-name.js';

describe('memberNameProblem', () => {
  it('accepts the names overlay packages and base archives use', () => {
    for (const name of ['overlay-meta', 'blob-0.xz', 'manifest.json', 'disk.raw', 'memory.save', 'x'.repeat(MAX_MEMBER_NAME_BYTES)]) {
      assert.equal(memberNameProblem(Buffer.from(name, 'latin1')), undefined, name);
    }
  });

  for (const [name, problem] of [
    ['', 'empty'],
    ['x'.repeat(MAX_MEMBER_NAME_BYTES + 1), 'too-long'],
    ['a\0b', 'nul'],
    ['/etc/passwd', 'absolute'],
    ['\\evil', 'absolute'],
    ['C:evil', 'absolute'],
    ['../disk.raw', 'dot-dot'],
    ['sub/../disk.raw', 'dot-dot'],
    ['disk..raw', 'dot-dot'],
    ['sub/disk.raw', 'slash'],
    ['sub\\disk.raw', 'backslash'],
    ['disk raw', 'non-printable'],
    ['disk\traw', 'non-printable'],
    ['caf\xe9', 'non-printable'],
    ['del\x7f', 'non-printable'],
  ] as const) {
    it(`refuses ${JSON.stringify(name)} as ${problem}`, () => {
      assert.equal(memberNameProblem(Buffer.from(name, 'latin1')), problem);
    });
  }
});
