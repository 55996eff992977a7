// The local transport under the Connection contract, with real local processes: exit codes and
// real signals, stdin, an answered prompt, a timeout decided by its own timer (never by exit
// code 124), a killed process tree, multibyte output split across pipe reads, file copies and
// positioned writes (putRange).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { connectLocal, localHost } from '../../../tasks/connection/local-connection.js';
import { TransferError } from '../../../tasks/errors.js';

const EMOJI = '😀';

function running(marker: string): boolean {
  return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((line) => line.includes(marker) && !line.includes('ps -eo'));
}

describe('local transport', () => {
  const connection = connectLocal(localHost('box'));

  it('names the host it was given', () => {
    assert.equal(connection.host.name, 'box');
  });

  it('reports the exit code, output of both streams and no stop', async () => {
    const result = await connection.exec('echo out; echo err >&2; exit 3', { display: 'x' });
    assert.deepEqual(result, { exitCode: 3, signal: null, stdout: 'out\n', stderr: 'err\n', stopped: null });
  });

  it('reports a real signal by its name and nothing else in `signal`', async () => {
    const result = await connection.exec('kill -TERM $$', { display: 'x' });
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, 'SIGTERM');
    assert.equal(result.stopped, null);
  });

  it('reports a command that exits 124 by itself as exit 124, even with a timeout set', async () => {
    const result = await connection.exec('exit 124', { display: 'x', timeoutMs: 10_000 });
    assert.equal(result.exitCode, 124);
    assert.equal(result.stopped, null);
  });

  it('stops a command at its timeout by its own timer and kills what it started', async () => {
    const marker = `sleep 30.${process.pid}1`;
    const started = Date.now();
    const result = await connection.exec(`${marker} & ${marker}`, { display: 'x', timeoutMs: 300 });
    assert.equal(result.stopped, 'timeout');
    assert.equal(result.exitCode, null);
    assert.equal(result.signal, null);
    assert.ok(Date.now() - started < 5_000);
    for (let i = 0; i < 50 && running(marker); i += 1) await new Promise((r) => setTimeout(r, 50));
    assert.ok(!running(marker), 'the command or its child survived the timeout');
  });

  it('feeds stdin data and streams output as it comes', async () => {
    const chunks: string[] = [];
    const result = await connection.exec('tr a-z A-Z', { display: 'x', stdin: 'hello', onData: (_stream, chunk) => chunks.push(chunk) });
    assert.equal(result.stdout, 'HELLO');
    assert.equal(chunks.join(''), 'HELLO');
  });

  it('answers one prompt on stderr and hides it; a second prompt stops the command', async () => {
    const responder = { prompt: '[pw?]', answer: 'sesame' };
    const ok = await connection.exec("printf '[pw?]' >&2; read x; echo got $x", { display: 'x', responder });
    assert.equal(ok.stdout, 'got sesame\n');
    assert.equal(ok.stderr, '');
    const refused = await connection.exec("printf '[pw?]' >&2; read x; printf '[pw?]' >&2; sleep 30", { display: 'x', responder });
    assert.equal(refused.stopped, 'answer-refused');
  });

  it('keeps 4-byte characters whole across pipe reads', async () => {
    const count = 100_000;
    const result = await connection.exec(`f=$(mktemp); { printf x; printf '\\360\\237\\230\\200%.0s' $(seq ${count}); } >"$f"; cat "$f"; rm -f "$f"`, { display: 'x' });
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout.length, 1 + count * EMOJI.length);
    assert.equal(result.stdout, `x${EMOJI.repeat(count)}`);
  });

  it('copies files for put and get, and keeps the cause of a failed copy', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-conn-'));
    writeFileSync(join(dir, 'a'), 'payload');
    await connection.put(join(dir, 'a'), join(dir, 'sub', 'b'));
    await connection.get(join(dir, 'sub', 'b'), join(dir, 'c'));
    assert.equal(readFileSync(join(dir, 'c'), 'utf8'), 'payload');
    await assert.rejects(connection.get(join(dir, 'missing'), join(dir, 'd')), (error: unknown) => {
      assert.ok(error instanceof TransferError);
      assert.equal(error.direction, 'get');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
      return true;
    });
  });

  it('writes byte ranges of a local file at their offset (0600 when created), counting them, until aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-conn-'));
    const bytes = Buffer.from('0123456789abcdef');
    writeFileSync(join(dir, 'src'), bytes);
    let counted = 0;
    await connection.putRange(join(dir, 'src'), join(dir, 'dst'), { start: 0, end: 6, onBytes: (n) => (counted += n) });
    assert.equal(statSync(join(dir, 'dst')).mode & 0o777, 0o600);
    await connection.putRange(join(dir, 'src'), join(dir, 'dst'), { start: 6, end: bytes.length, onBytes: (n) => (counted += n) });
    assert.deepEqual(readFileSync(join(dir, 'dst')), bytes);
    assert.equal(counted, bytes.length);
    const controller = new AbortController();
    controller.abort(new Error('stop now'));
    await assert.rejects(connection.putRange(join(dir, 'src'), join(dir, 'dst2'), { start: 0, end: bytes.length, signal: controller.signal }), /stop now/);
    await assert.rejects(connection.putRange(join(dir, 'missing'), join(dir, 'dst3'), { start: 0, end: 4 }), TransferError);
  });
});
