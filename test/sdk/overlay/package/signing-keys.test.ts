import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSigningKey, keyId, readSigningKey, readTrustedKeys, SigningKeyError } from '../../../../sdk/overlay/package/index.js';

describe('ed25519 signing keys: made, read and trusted', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudlet-keys-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  const refused = async (promise: Promise<unknown>, path: string) =>
    assert.rejects(promise, (error: unknown) => error instanceof SigningKeyError && error.path === path && error.category === 'usage');

  it('writes the private key 0600 and the public key beside it; the ID is the SHA-256 of the raw public key', async () => {
    const out = join(dir, 'signer.key');
    const made = await generateSigningKey(out);
    assert.equal((await stat(out)).mode & 0o777, 0o600);
    assert.equal((await stat(`${out}.pub`)).mode & 0o777, 0o644);
    assert.match(await readFile(out, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const signing = await readSigningKey(out);
    const [trusted] = await readTrustedKeys([`${out}.pub`]);
    assert.equal(signing.id, made.id);
    assert.equal(trusted!.id, made.id);
    const raw = Buffer.from(made.publicKey.export({ format: 'jwk' }).x!, 'base64url');
    assert.equal(made.id, createHash('sha256').update(raw).digest('hex'));
    assert.equal(keyId(signing.privateKey), made.id);
  });

  it('never overwrites a key file', async () => {
    const out = join(dir, 'twice.key');
    await generateSigningKey(out);
    const before = await readFile(out);
    await refused(generateSigningKey(out), out);
    assert.ok((await readFile(out)).equals(before));
  });

  it('refuses a private key others can read, a public key given to sign, and a missing file', async () => {
    const out = join(dir, 'loose.key');
    await generateSigningKey(out);
    await chmod(out, 0o644);
    await refused(readSigningKey(out), out);
    await refused(readSigningKey(`${out}.pub`), `${out}.pub`);
    await refused(readSigningKey(join(dir, 'none.key')), join(dir, 'none.key'));
  });

  it('trusts every public key of a file, once each, and refuses private keys, other algorithms and non-PEM files', async () => {
    const [a, b] = [join(dir, 'a.key'), join(dir, 'b.key')];
    const ids = [(await generateSigningKey(a)).id, (await generateSigningKey(b)).id];
    const bundle = join(dir, 'signers.pub');
    await writeFile(bundle, `${await readFile(`${a}.pub`, 'utf8')}\n${await readFile(`${b}.pub`, 'utf8')}`);
    assert.deepEqual((await readTrustedKeys([bundle, `${a}.pub`])).map((key) => key.id).sort(), ids.sort());
    await refused(readTrustedKeys([a]), a);
    const rsa = join(dir, 'rsa.pub');
    await writeFile(rsa, generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'pem', type: 'spki' }));
    await refused(readTrustedKeys([rsa]), rsa);
    const text = join(dir, 'text.pub');
    await writeFile(text, 'ssh-ed25519 AAAA… not PEM\n');
    await refused(readTrustedKeys([text]), text);
  });
});
