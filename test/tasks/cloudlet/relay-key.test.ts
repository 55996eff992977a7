import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { authorizedKeysLine, relayKey } from '../../../tasks/cloudlet/relay-key.js';
import { UsageError } from '../../../tasks/errors.js';

/** The command option as sshd hands it to the shell: inside the quotes only `\"` is an escape. */
function forcedCommand(line: string): string {
  const match = /command="((?:[^"\\]|\\.)*)"/.exec(line);
  assert.ok(match, line);
  return match[1]!.replace(/\\"/g, '"');
}

describe('relay keys', () => {
  it('makes a fresh ed25519 pair per transfer, marked by a hex comment', () => {
    const [a, b] = [relayKey(), relayKey()];
    assert.match(a.publicKey, /^ssh-ed25519 [A-Za-z0-9+/]+=*$/);
    assert.match(a.privateKey, /^-----BEGIN OPENSSH PRIVATE KEY-----/);
    assert.match(a.marker, /^cloudlet-relay-[0-9a-f]{16}$/);
    assert.notEqual(a.publicKey, b.publicKey);
    assert.notEqual(a.marker, b.marker);
  });

  it('writes a restricted, expiring line whose forced command only appends to the partial', () => {
    const key = relayKey();
    const line = authorizedKeysLine(key, '.cache/cloudlet-tasks/uploads/ab.zip.part', '20261206130000');
    assert.equal(line, `restrict,expiry-time="20261206130000",command="cat >> .cache/cloudlet-tasks/uploads/ab.zip.part" ${key.publicKey} ${key.marker}`);
    // ssh-keygen parses authorized_keys lines, options included.
    const dir = mkdtempSync(join(tmpdir(), 'relay-key-'));
    try {
      writeFileSync(join(dir, 'authorized_keys'), `${line}\n`);
      assert.match(execFileSync('ssh-keygen', ['-l', '-f', join(dir, 'authorized_keys')]).toString(), /ED25519/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes paths with quotes, spaces and $ so the command sshd runs appends to exactly that file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-key-'));
    try {
      const name = `it's a "part" $(touch pwned) \\x.part`;
      const line = authorizedKeysLine(relayKey(), name, '20261206130000');
      assert.equal(line.split('\n').length, 1);
      execFileSync('sh', ['-c', forcedCommand(line)], { cwd: dir, input: 'first' });
      execFileSync('sh', ['-c', forcedCommand(line)], { cwd: dir, input: ' second' });
      assert.equal(readFileSync(join(dir, name), 'utf8'), 'first second');
      assert.throws(() => readFileSync(join(dir, 'pwned')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what would break the line or its meaning', () => {
    const key = relayKey();
    assert.throws(() => authorizedKeysLine(key, 'a\nb', '20261206130000'), UsageError);
    assert.throws(() => authorizedKeysLine(key, '', '20261206130000'), UsageError);
    assert.throws(() => authorizedKeysLine(key, 'a.part', '2026-12-06'), UsageError);
    assert.throws(() => authorizedKeysLine({ ...key, marker: 'x" evil' }, 'a.part', '20261206130000'), UsageError);
    assert.throws(() => authorizedKeysLine({ ...key, publicKey: 'ssh-rsa AAAA' }, 'a.part', '20261206130000'), UsageError);
  });
});
