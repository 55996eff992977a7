import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { baseVmId, createOverlay } from '../../../sdk/overlay/create/index.js';
import { readSigningKey } from '../../../sdk/overlay/package/index.js';
import { generatedVm, type GeneratedVm } from '../overlay/create/generated-vm.js';
import { cloudlet } from './cli-harness.js';

describe('cloudlet keygen, and the signer info-overlay shows and checks', () => {
  let vm: GeneratedVm;
  let overlay: string;
  let keyId: string;
  const key = (name: string) => join(vm.dir, name);

  before(async () => {
    vm = await generatedVm();
    const made = await cloudlet(['keygen', key('signer.key'), '--json']);
    assert.equal(made.code, 0, made.stderr);
    keyId = (made.json.at(-1) as { key: { id: string } }).key.id;
    assert.equal((await cloudlet(['keygen', key('other.key')])).code, 0);
    overlay = key('signed.overlay');
    await createOverlay({ base: { ...vm.base, id: await baseVmId(vm.base.disk) }, customized: vm.customized, output: overlay, options: { codec: { codec: 'xz', level: 0 }, signingKey: await readSigningKey(key('signer.key')) } });
  });
  after(async () => vm.remove());

  it('keygen writes OUT 0600 and OUT.pub, says the key ID, and never overwrites', async () => {
    assert.equal((await stat(key('signer.key'))).mode & 0o777, 0o600);
    assert.equal((await stat(key('signer.key.pub'))).mode & 0o777, 0o644);
    assert.match(keyId, /^[0-9a-f]{64}$/);
    const again = await cloudlet(['keygen', key('signer.key'), '--json']);
    assert.equal(again.code, 2);
    assert.equal((again.json.at(-1) as { error: { code: string } }).error.code, 'overlay-signing-key');
  });

  it('info-overlay shows the signer unverified, verified with --trust, and refuses a foreign signer', async () => {
    const shown = await cloudlet(['info-overlay', overlay, '--json']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.deepEqual(shown.json[0]!.signature, { keyId, verified: false });
    const plain = await cloudlet(['info-overlay', overlay]);
    assert.match(plain.stdout, new RegExp(`^signature +ed25519, key ID ${keyId} \\(not verified`, 'm'));
    const verified = await cloudlet(['info-overlay', overlay, '--trust', key('other.key.pub'), '--trust', key('signer.key.pub'), '--json']);
    assert.deepEqual(verified.json[0]!.signature, { keyId, verified: true });
    const foreign = await cloudlet(['info-overlay', overlay, '--trust', key('other.key.pub'), '--json']);
    assert.equal(foreign.code, 1);
    assert.equal((foreign.json.at(-1) as { error: { code: string; keyId: string } }).error.code, 'overlay-signature-untrusted');
    const privateAsTrust = await cloudlet(['info-overlay', overlay, '--trust', key('signer.key')]);
    assert.equal(privateAsTrust.code, 2);
  });

  it('synthesis --trust reads its key files before anything else: a wrong one is a usage error', async () => {
    const run = await cloudlet(['synthesis', 'nobase', overlay, '--trust', key('missing.pub')], { env: { CLOUDLET_DIR: join(vm.dir, 'cloudlet') } });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /missing\.pub: no such file/);
  });
});
