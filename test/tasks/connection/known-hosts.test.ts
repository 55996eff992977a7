// known_hosts read as OpenSSH reads it, on files hashed by ssh-keygen -H itself (real HMACs)
// holding real keys: lowercase names, [host]:port, wildcards and negation, markers, and the
// verdicts of the host key check (revoked, certificate-only, changed, new).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepareHostKeyCheck, type HostKeyPolicy } from '../../../tasks/connection/host-key-check.js';
import { findKnownKeys, fingerprint, hostPattern, keyTypeOf, recordKnownKey } from '../../../tasks/connection/known-hosts.js';
import { HostCertificateUnsupportedError, HostKeyChangedError, HostKeyRevokedError, HostKeyUnknownError } from '../../../tasks/errors.js';

/** A fresh ed25519 key pair made by ssh-keygen; returns its public line (`type base64`) and blob. */
function realKey(dir: string, name: string): { line: string; blob: Buffer } {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', join(dir, name)]);
  const line = readFileSync(join(dir, `${name}.pub`), 'utf8').trim().split(' ').slice(0, 2).join(' ');
  return { line, blob: Buffer.from(line.split(' ')[1]!, 'base64') };
}

/** Writes `hashed` lines and hashes them with ssh-keygen -H, then appends `plain` lines as they are. */
function knownHostsFile(dir: string, name: string, hashed: readonly string[], plain: readonly string[] = []): string {
  const file = join(dir, name);
  writeFileSync(file, hashed.map((line) => `${line}\n`).join(''));
  if (hashed.length > 0) execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
  appendFileSync(file, plain.map((line) => `${line}\n`).join(''));
  return file;
}

describe('known_hosts', () => {
  let dir: string;
  let keyA: { line: string; blob: Buffer };
  let keyB: { line: string; blob: Buffer };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kh-'));
    keyA = realKey(dir, 'a');
    keyB = realKey(dir, 'b');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const policy = (file: string, acceptNew: boolean): HostKeyPolicy => ({ knownHostsFiles: [file], recordFile: file, acceptNew });

  it('names hosts as ssh does: lowercased, bare on port 22, [host]:port otherwise', () => {
    assert.equal(hostPattern('10.0.0.1', 22), '10.0.0.1');
    assert.equal(hostPattern('LAB1.Example.com', 2222), '[lab1.example.com]:2222');
  });

  it('matches names hashed by ssh-keygen -H whatever their case, on their own port only', () => {
    const file = knownHostsFile(dir, 'hashed', [`lab1.example.com ${keyA.line}`, `[lab1.example.com]:2222 ${keyB.line}`]);
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /example/);
    const found = (address: string, port: number): Buffer[] => findKnownKeys(text, file, hostPattern(address, port)).map((k) => k.key);
    assert.deepEqual(found('LAB1.example.com', 22), [keyA.blob]);
    assert.deepEqual(found('Lab1.Example.COM', 2222), [keyB.blob]);
    assert.deepEqual(found('lab1.example.com', 2200), []);
    assert.deepEqual(found('lab2.example.com', 22), []);
  });

  it('matches plain, comma-separated, wildcard and negated patterns, case-insensitively', () => {
    const text = [`web1,10.0.0.1 ${keyA.line}`, `*.lab,!bad.lab ${keyB.line}`, `[*.lab]:2222 ${keyA.line}`].join('\n');
    assert.equal(findKnownKeys(text, 'f', hostPattern('10.0.0.1', 22))[0]?.key.equals(keyA.blob), true);
    assert.equal(findKnownKeys(text, 'f', hostPattern('WEB1', 22)).length, 1);
    assert.equal(findKnownKeys(text, 'f', hostPattern('x.lab', 22)).length, 1);
    assert.equal(findKnownKeys(text, 'f', hostPattern('BAD.lab', 22)).length, 0);
    assert.equal(findKnownKeys(text, 'f', hostPattern('x.lab', 2222))[0]?.key.equals(keyA.blob), true);
    assert.equal(findKnownKeys(text, 'f', hostPattern('other', 22)).length, 0);
  });

  it('reads @revoked and @cert-authority lines as such and skips lines with any other marker', () => {
    const text = [`@revoked web1 ${keyA.line}`, `@cert-authority *.lab,web1 ${keyB.line}`, `@bogus web1 ${keyB.line}`].join('\n');
    assert.deepEqual(
      findKnownKeys(text, 'known', 'web1').map((k) => [k.kind, k.source]),
      [['revoked', 'known:1'], ['cert-authority', 'known:2']],
    );
  });

  it('refuses a revoked key with a message saying so, even when another line lists it as the host key', async () => {
    const file = knownHostsFile(dir, 'revoked', [`rev.example.com ${keyA.line}`], [`@revoked rev.example.com ${keyA.line}`]);
    const check = await prepareHostKeyCheck('rev', 'rev.example.com', 22, policy(file, true));
    const error = await check.verify(keyA.blob).catch((e: unknown) => e);
    assert.ok(error instanceof HostKeyRevokedError, String(error));
    assert.equal(error.code, 'host-key-revoked');
    assert.match(error.message, new RegExp(`offers ssh-ed25519 ${fingerprint(keyA.blob).replace(/[+/]/g, '\\$&')}, a key marked @revoked at ${file}:2`));
  });

  it('refuses a host known only through @cert-authority, saying host certificates are not supported, and records nothing', async () => {
    const file = knownHostsFile(dir, 'ca', [], [`@cert-authority *.example.com ${keyB.line}`]);
    const check = await prepareHostKeyCheck('ca', 'CA1.example.com', 22, policy(file, true));
    const error = await check.verify(keyA.blob).catch((e: unknown) => e);
    assert.ok(error instanceof HostCertificateUnsupportedError, String(error));
    assert.match(error.message, /cannot verify host certificates/);
    assert.match(error.message, new RegExp(`@cert-authority ssh-ed25519 \\S+ at ${file}:1`));
    assert.equal(readFileSync(file, 'utf8'), `@cert-authority *.example.com ${keyB.line}\n`);
  });

  it('takes a line with an unknown marker for no entry: the key is unknown', async () => {
    const file = knownHostsFile(dir, 'bogus', [], [`@bogus bog.example.com ${keyA.line}`]);
    const check = await prepareHostKeyCheck('bog', 'bog.example.com', 22, policy(file, false));
    await assert.rejects(check.verify(keyA.blob), HostKeyUnknownError);
  });

  it('with accept-new, finds LAB1.example.com under its hashed lowercase entry: the known key passes, another is a change', async () => {
    const file = knownHostsFile(dir, 'accept', [`lab1.example.com ${keyA.line}`]);
    const before = readFileSync(file, 'utf8');
    const check = await prepareHostKeyCheck('lab1', 'LAB1.example.com', 22, policy(file, true));
    assert.deepEqual(check.algorithms?.[0], 'ssh-ed25519');
    await check.verify(keyA.blob);
    await assert.rejects(check.verify(keyB.blob), HostKeyChangedError);
    assert.equal(readFileSync(file, 'utf8'), before);
  });

  it('records a new host under its lowercase name, as ssh does, and finds it again', async () => {
    const file = join(dir, 'new', 'known_hosts');
    const check = await prepareHostKeyCheck('new', 'NEW.example.com', 2222, policy(file, true));
    await check.verify(keyA.blob);
    assert.equal(readFileSync(file, 'utf8'), `[new.example.com]:2222 ${keyA.line}\n`);
    assert.equal(execFileSync('ssh-keygen', ['-F', '[new.example.com]:2222', '-f', file], { encoding: 'utf8' }).includes(keyA.line), true);
  });

  it('reads the key type from the blob and prints an OpenSSH fingerprint', () => {
    assert.equal(keyTypeOf(keyA.blob), 'ssh-ed25519');
    const printed = execFileSync('ssh-keygen', ['-lf', join(dir, 'a.pub')], { encoding: 'utf8' }).split(' ')[1];
    assert.equal(fingerprint(keyA.blob), printed);
  });

  it('records keys without interleaving parallel writes', async () => {
    const file = join(dir, 'sub', 'known_hosts');
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordKnownKey(file, `[h${i}]:22${i}`, keyA.blob)));
    const text = readFileSync(file, 'utf8');
    assert.equal(text.trim().split('\n').length, 20);
    for (let i = 0; i < 20; i += 1) assert.equal(findKnownKeys(text, file, `[h${i}]:22${i}`).length, 1);
  });
});
