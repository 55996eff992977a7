import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatTable } from '../../../sdk/cli/table.js';
import { cloudlet } from './cli-harness.js';

/** ESC ] 0 ; … BEL retitles the window, ESC [ 2 J clears the screen, U+202E reverses what follows, CSI in C1 form. */
const HOSTILE = 'tiny\u001b]0;owned\u0007\u001b[2J\u202eevil\u009b31m';
const ESCAPED = 'tiny\\x1b]0;owned\\x07\\x1b[2J\\u202eevil\\x9b31m';

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    assert.equal(formatTable(['ID', 'NAME'], [['b850e752', 'debian'], ['1', 'x']]), 'ID        NAME\nb850e752  debian\n1         x\n');
  });

  it('shows control characters escaped, and pads by what is shown', () => {
    assert.equal(formatTable(['NAME', 'ID'], [[HOSTILE, '1'], ['x', '2']]), `NAME${' '.repeat(ESCAPED.length - 4)}  ID\n${ESCAPED}  1\n${'x'.padEnd(ESCAPED.length)}  2\n`);
  });
});

describe('cloudlet list-base and del-base with a name stored before names were checked', () => {
  let dir: string;
  const id = 'a'.repeat(64);
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'table-'));
    await mkdir(join(dir, 'bases', id), { recursive: true });
    const record = { format: 'cloudlet-base', version: 1, id, name: HOSTILE, createdAt: '2026-01-01T00:00:00.000Z', source: '/x.raw', domain: { name: 'cloudlet-base-x', uuid: '0', type: 'qemu' }, hardware: { memoryMiB: 256, vcpus: 1, machine: 'pc', nicMac: null }, diskSize: 4096, memory: { saveSize: 1, pages: 1, layout: [] } };
    await writeFile(join(dir, 'bases', id, 'base.json'), JSON.stringify(record));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('print it escaped: no control character reaches the terminal', async () => {
    const env = { CLOUDLET_DIR: dir };
    const listed = await cloudlet(['list-base'], { env });
    assert.equal(listed.code, 0, listed.stderr);
    assert.ok(listed.stdout.includes(ESCAPED), listed.stdout);
    assert.doesNotMatch(listed.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/u);
    const deleted = await cloudlet(['del-base', id], { env });
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, `deleted base ${id}  ${ESCAPED}\n`);
  });
});
