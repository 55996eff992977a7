import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { restoreMemory, saveMemory, type QmpClient } from '../fixtures/qemu/index.js';
import { quoteWord } from '../../native/shell-quote.js';

/** Answers QMP as a finished migration would, and keeps the `exec:` URI QEMU was given. */
function recordingQmp(uris: string[]): QmpClient {
  const answers: Record<string, unknown> = { 'query-status': { status: 'running' }, 'query-migrate': { status: 'completed' } };
  return {
    execute: async (command: string, args?: { uri?: string }) => {
      if (args?.uri !== undefined) uris.push(args.uri);
      return answers[command] ?? {};
    },
  } as unknown as QmpClient;
}

/** Runs an `exec:` URI the way QEMU does: the rest of it through `/bin/sh -c`. */
function runExecUri(uri: string, input?: string): string {
  assert.ok(uri.startsWith('exec:'), uri);
  return execFileSync('/bin/sh', ['-c', uri.slice('exec:'.length)], { input, encoding: 'utf8' });
}

describe('quoteWord', () => {
  it('leaves a safe word bare and single-quotes anything else, so sh reads back the same word', () => {
    assert.equal(quoteWord('/var/tmp/vm.mem'), '/var/tmp/vm.mem');
    assert.equal(quoteWord("it's a $HOME;`x`"), `'it'\\''s a $HOME;\`x\`'`);
    for (const word of ['', 'plain', "it's", 'a b', '$(id)', '*', '-n', 'new\nline', '~user']) {
      assert.equal(execFileSync('/bin/sh', ['-c', `printf %s ${quoteWord(word)}`], { encoding: 'utf8' }), word, JSON.stringify(word));
    }
  });
});

describe('quoteWord in the exec: URIs of saveMemory and restoreMemory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'shell-quote-'));
  after(() => rm(dir, { recursive: true, force: true }));

  for (const name of ['plain.mem', "it's a snapshot.mem", '$(touch pwned).mem']) {
    it(`saves to and restores from ${JSON.stringify(name)} and nowhere else`, async () => {
      const file = join(dir, name);
      const uris: string[] = [];
      await saveMemory(recordingQmp(uris), file, { pollIntervalMs: 1 });
      runExecUri(uris[0]!, 'QEVM stream');
      assert.equal(await readFile(file, 'utf8'), 'QEVM stream');
      await restoreMemory(recordingQmp(uris), file, { pollIntervalMs: 1 });
      assert.equal(runExecUri(uris[1]!), 'QEVM stream');
      await writeFile(file, 'prefixQEVM stream');
      await restoreMemory(recordingQmp(uris), file, { offset: 6, pollIntervalMs: 1 });
      assert.equal(runExecUri(uris[2]!), 'QEVM stream');
      assert.throws(() => execFileSync('ls', [join(dir, 'pwned')], { stdio: 'ignore' }));
    });
  }

  it('writes a safe path bare, as the task runner does', async () => {
    const uris: string[] = [];
    await saveMemory(recordingQmp(uris), '/var/tmp/vm.mem', { pollIntervalMs: 1 });
    assert.deepEqual(uris, ['exec:cat > /var/tmp/vm.mem']);
  });
});
