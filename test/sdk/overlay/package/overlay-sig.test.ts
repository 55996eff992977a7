import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode } from '@msgpack/msgpack';
import {
  createOverlayPackage,
  decodeSignature,
  generateSigningKey,
  openOverlayPackage,
  OverlayUnsignedError,
  readSigningKey,
  readTrustedKeys,
  SIGNATURE_BYTES,
  SignatureFormatError,
  SignatureMismatchError,
  signMeta,
  UntrustedSignerError,
  type OverlaySigningKey,
  type TrustedKey,
} from '../../../../sdk/overlay/package/index.js';
import { StoredZipReader } from '../../../../sdk/overlay/package/zip-reader.js';
import { StoredZipWriter } from '../../../../sdk/overlay/package/zip-writer.js';

const BASE = 'ab'.repeat(32);

describe('overlay-sig: an ed25519 signature over overlay-meta', () => {
  let dir: string;
  let signer: OverlaySigningKey;
  let trusted: TrustedKey[];
  let other: TrustedKey[];
  let serial = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudlet-sig-'));
    await generateSigningKey(join(dir, 'signer.key'));
    await generateSigningKey(join(dir, 'other.key'));
    signer = await readSigningKey(join(dir, 'signer.key'));
    trusted = await readTrustedKeys([join(dir, 'signer.key.pub')]);
    other = await readTrustedKeys([join(dir, 'other.key.pub')]);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function writePackage(signingKey?: OverlaySigningKey, blob = Buffer.from('blob bytes')): Promise<string> {
    const path = join(dir, `p-${serial++}.zip`);
    const writer = await createOverlayPackage(path, { baseVmId: BASE, diskSize: 1 << 20, memorySize: 8192, createdBy: 'sig-test', ...(signingKey ? { signingKey } : {}) });
    await writer.addBlob(blob, { codec: 'none', uncompressedSize: blob.length, disk: [{ first: 3, count: 1 }] });
    await writer.finish();
    return path;
  }

  /** The package's members, `change`d, written again as a new zip. */
  async function rewrite(path: string, change: (members: Map<string, Buffer>) => void): Promise<string> {
    const reader = await StoredZipReader.open(path, { maxMembers: 10, maxCentralDirectoryBytes: 1 << 16 });
    const members = new Map<string, Buffer>();
    for (const [name, member] of reader.members) members.set(name, await reader.read(member, 0, member.size));
    await reader.close();
    change(members);
    const out = join(dir, `r-${serial++}.zip`);
    const zip = await StoredZipWriter.create(out);
    for (const [name, data] of members) await zip.addMember(name, data);
    await zip.finish('');
    return out;
  }

  const open = (path: string, trustedKeys?: TrustedKey[]) => openOverlayPackage(path, { expectedBaseVmId: BASE, ...(trustedKeys ? { trustedKeys } : {}) });

  it('a signed package opens with its signer trusted, and shows the key ID when no keys are given', async () => {
    const path = await writePackage(signer);
    const verified = await open(path, trusted);
    assert.deepEqual(verified.signer, { keyId: signer.id, verified: true });
    await verified.close();
    const unverified = await open(path);
    assert.deepEqual(unverified.signer, { keyId: signer.id, verified: false });
    await unverified.close();
    const unsigned = await open(await writePackage());
    assert.equal(unsigned.signer, null);
    await unsigned.close();
  });

  it('refuses an unsigned package and one signed by another key when keys are given', async () => {
    await assert.rejects(open(await writePackage(), trusted), (error: unknown) => error instanceof OverlayUnsignedError && error.trusted[0] === signer.id);
    await assert.rejects(open(await writePackage(signer), other), (error: unknown) => error instanceof UntrustedSignerError && error.keyId === signer.id);
  });

  it('refuses a meta changed after signing (still a valid meta), and a signature moved to another package', async () => {
    const signed = await writePackage(signer);
    const tampered = await rewrite(signed, (members) => {
      const meta = decode(members.get('overlay-meta')!) as Record<string, unknown>;
      members.set('overlay-meta', Buffer.from(encode({ ...meta, created_by: 'someone else' })));
    });
    await (await open(tampered)).close();
    await assert.rejects(open(tampered, trusted), (error: unknown) => error instanceof SignatureMismatchError && error.keyId === signer.id);
    const sig = await readSig(signed);
    const transplanted = await rewrite(await writePackage(undefined, Buffer.from('other bytes')), (members) => members.set('overlay-sig', sig));
    await assert.rejects(open(transplanted, trusted), SignatureMismatchError);
  });

  it('reads the record version first and checks every length', async () => {
    const good = signMeta(Buffer.from('meta'), signer);
    assert.equal(good.length, SIGNATURE_BYTES);
    assert.equal(decodeSignature(good).keyId, signer.id);
    const field = (bytes: Buffer) => {
      try {
        decodeSignature(bytes);
      } catch (error) {
        assert.ok(error instanceof SignatureFormatError);
        return error.field;
      }
      return 'accepted';
    };
    const patched = (offset: number, value: number) => {
      const copy = Buffer.from(good);
      copy.writeUInt16BE(value, offset);
      return copy;
    };
    assert.equal(field(Buffer.alloc(0)), 'magic');
    assert.equal(field(Buffer.concat([Buffer.from('CLDOVSIX'), good.subarray(8)])), 'magic');
    assert.equal(field(patched(8, 2)), 'version');
    assert.equal(field(patched(10, 2)), 'algorithm');
    assert.equal(field(good.subarray(0, SIGNATURE_BYTES - 1)), 'length');
    assert.equal(field(Buffer.concat([good, Buffer.alloc(1)])), 'length');
    const oversized = await rewrite(await writePackage(signer), (members) => members.set('overlay-sig', Buffer.concat([members.get('overlay-sig')!, Buffer.alloc(1000)])));
    await assert.rejects(open(oversized), (error: unknown) => error instanceof SignatureFormatError && error.field === 'length');
  });

  async function readSig(path: string): Promise<Buffer> {
    const reader = await StoredZipReader.open(path, { maxMembers: 10, maxCentralDirectoryBytes: 1 << 16 });
    const member = reader.members.get('overlay-sig')!;
    const bytes = await reader.read(member, 0, member.size);
    await reader.close();
    return bytes;
  }
});
