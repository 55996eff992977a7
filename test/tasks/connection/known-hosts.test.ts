import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { findKnownKeys, fingerprint, hostPattern, keyTypeOf, recordKnownKey } from '../../../tasks/connection/known-hosts.js';

function keyBlob(type: string, body: string): Buffer {
  const typeBuf = Buffer.from(type);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(typeBuf.length);
  return Buffer.concat([len, typeBuf, Buffer.from(body)]);
}

const KEY_A = keyBlob('ssh-ed25519', 'key-a-material');
const KEY_B = keyBlob('ssh-ed25519', 'key-b-material');

describe('known_hosts', () => {
  const dirs: string[] = [];
  after(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('names hosts as ssh does: bare on port 22, [host]:port otherwise', () => {
    assert.equal(hostPattern('10.0.0.1', 22), '10.0.0.1');
    assert.equal(hostPattern('10.0.0.1', 2222), '[10.0.0.1]:2222');
  });

  it('matches plain, comma-separated, wildcard and negated patterns', () => {
    const text = [
      `web1,10.0.0.1 ssh-ed25519 ${KEY_A.toString('base64')}`,
      `*.lab,!bad.lab ssh-ed25519 ${KEY_B.toString('base64')}`,
    ].join('\n');
    assert.equal(findKnownKeys(text, 'f', '10.0.0.1')[0]?.key.equals(KEY_A), true);
    assert.equal(findKnownKeys(text, 'f', 'x.lab').length, 1);
    assert.equal(findKnownKeys(text, 'f', 'bad.lab').length, 0);
    assert.equal(findKnownKeys(text, 'f', 'other').length, 0);
  });

  it('matches hashed host names', () => {
    const salt = randomBytes(20);
    const hash = createHmac('sha1', salt).update('[10.1.1.1]:2200').digest('base64');
    const text = `|1|${salt.toString('base64')}|${hash} ssh-ed25519 ${KEY_A.toString('base64')}`;
    assert.equal(findKnownKeys(text, 'f', '[10.1.1.1]:2200').length, 1);
    assert.equal(findKnownKeys(text, 'f', '10.1.1.1').length, 0);
  });

  it('marks @revoked keys and skips @cert-authority lines', () => {
    const text = `@revoked web1 ssh-ed25519 ${KEY_A.toString('base64')}\n@cert-authority web1 ssh-ed25519 ${KEY_B.toString('base64')}`;
    const keys = findKnownKeys(text, 'known', 'web1');
    assert.equal(keys.length, 1);
    assert.equal(keys[0]?.revoked, true);
    assert.equal(keys[0]?.source, 'known:1');
  });

  it('reads the key type from the blob and prints an OpenSSH fingerprint', () => {
    assert.equal(keyTypeOf(KEY_A), 'ssh-ed25519');
    assert.match(fingerprint(KEY_A), /^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('records keys so that they are found again, without interleaving parallel writes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kh-'));
    dirs.push(dir);
    const file = join(dir, 'sub', 'known_hosts');
    await Promise.all(Array.from({ length: 20 }, (_, i) => recordKnownKey(file, `[h${i}]:22${i}`, KEY_A)));
    const text = await readFile(file, 'utf8');
    assert.equal(text.trim().split('\n').length, 20);
    for (let i = 0; i < 20; i += 1) assert.equal(findKnownKeys(text, file, `[h${i}]:22${i}`).length, 1);
  });
});
