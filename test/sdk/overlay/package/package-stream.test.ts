import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { encode } from '@msgpack/msgpack';
import {
  BaseVmMismatchError,
  ChecksumError,
  createOverlayPackage,
  generateSigningKey,
  openOverlayStream,
  OverlayUnsignedError,
  readSigningKey,
  readTrustedKeys,
  StreamLayoutError,
  StreamLengthError,
  type OverlaySigningKey,
  type StreamedOverlayPackage,
} from '../../../../sdk/overlay/package/index.js';
import { StoredZipWriter } from '../../../../sdk/overlay/package/zip-writer.js';

const baseVmId = createHash('sha256').update('base disk').digest('hex');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const blobs = [randomBytes(5000), randomBytes(300_000), randomBytes(70_000)];

/** Hands out `bytes` in pieces of `piece`, counting what the reader pulled. */
function source(bytes: Buffer, piece = 4096): AsyncGenerator<Buffer> & { pulled: number } {
  const state = { pulled: 0 };
  const generator = (async function* () {
    for (let at = 0; at < bytes.length; at += piece) {
      state.pulled = Math.min(at + piece, bytes.length);
      yield bytes.subarray(at, at + piece);
    }
  })();
  return Object.assign(generator, { get pulled() { return state.pulled; } });
}

async function readAll(pkg: StreamedOverlayPackage): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const blob of pkg.meta.blobs) {
    const pieces: Buffer[] = [];
    for await (const piece of pkg.readBlob(blob.name)) pieces.push(Buffer.from(piece));
    out.push(Buffer.concat(pieces));
  }
  return out;
}

describe('overlay package read as a stream (format v2)', () => {
  let dir: string;
  let signer: OverlaySigningKey;
  let serial = 0;
  let unsigned: Buffer;

  async function write(options: { signingKey?: OverlaySigningKey; base?: string } = {}): Promise<Buffer> {
    const path = join(dir, `p${serial++}.zip`);
    const writer = await createOverlayPackage(path, { baseVmId: options.base ?? baseVmId, diskSize: 1 << 20, memorySize: 8192, createdBy: 'stream-test', ...(options.signingKey ? { signingKey: options.signingKey } : {}) });
    for (const [i, blob] of blobs.entries()) await writer.addBlob(blob, { codec: 'none', uncompressedSize: blob.length, disk: [{ first: i, count: 1 }] });
    await writer.finish();
    return readFile(path);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'package-stream-'));
    await generateSigningKey(join(dir, 'signer.key'));
    signer = await readSigningKey(join(dir, 'signer.key'));
    unsigned = await write();
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('reads meta, signature and every blob front to back, and hashes the whole package', async () => {
    const signed = await write({ signingKey: signer });
    for (const [bytes, piece] of [[unsigned, 1], [unsigned, 65536], [signed, 333]] as const) {
      const pkg = await openOverlayStream(source(bytes, piece), { expectedBaseVmId: baseVmId, declaredBytes: bytes.length, trustedKeys: bytes === signed ? await readTrustedKeys([join(dir, 'signer.key.pub')]) : undefined });
      assert.equal(pkg.formatVersion, 2);
      assert.equal(pkg.signer?.verified ?? null, bytes === signed ? true : null);
      assert.deepEqual(await readAll(pkg), blobs);
      assert.equal(pkg.sha256, sha256(bytes));
    }
  });

  it('checks the base and the signature right after the meta, before a byte of any blob is pulled', async () => {
    const other = await write({ base: 'cd'.repeat(32) });
    const firstBlob = other.indexOf(blobs[0]!);
    const wrong = source(other);
    await assert.rejects(openOverlayStream(wrong, { expectedBaseVmId: baseVmId }), BaseVmMismatchError);
    assert.ok(wrong.pulled <= firstBlob + 4096, `pulled ${wrong.pulled} bytes, the first blob starts at ${firstBlob}`);
    const unsignedSource = source(unsigned);
    await assert.rejects(openOverlayStream(unsignedSource, { expectedBaseVmId: baseVmId, trustedKeys: await readTrustedKeys([join(dir, 'signer.key.pub')]) }), OverlayUnsignedError);
  });

  it('refuses a flipped byte in a blob at that blob\'s end, after handing out the blobs before it', async () => {
    const bad = Buffer.from(unsigned);
    bad[bad.indexOf(blobs[1]!) + 1000]! ^= 1;
    const pkg = await openOverlayStream(source(bad), { expectedBaseVmId: baseVmId });
    for await (const _ of pkg.readBlob(pkg.meta.blobs[0]!.name)) void _;
    await assert.rejects(async () => {
      for await (const _ of pkg.readBlob(pkg.meta.blobs[1]!.name)) void _;
    }, (e: unknown) => e instanceof ChecksumError && e.algorithm === 'sha256' && e.member === 'overlay-blob-2');
    await assert.rejects(async () => {
      for await (const _ of pkg.readBlob(pkg.meta.blobs[2]!.name)) void _;
    }, ChecksumError, 'the stream stays failed');
  });

  it('holds the stream to its declared length and to the end of the zip', async () => {
    const cases: Array<[Buffer, number | undefined, string]> = [
      [unsigned.subarray(0, unsigned.length - 100), undefined, 'truncated'],
      [unsigned.subarray(0, unsigned.length - 100), unsigned.length, 'short'],
      [unsigned, unsigned.length + 1, 'short'],
      [unsigned, unsigned.length - 1, 'long'],
      [Buffer.concat([unsigned, Buffer.from('junk')]), undefined, 'trailing'],
    ];
    for (const [bytes, declaredBytes, problem] of cases) {
      await assert.rejects(async () => readAll(await openOverlayStream(source(bytes), { expectedBaseVmId: baseVmId, ...(declaredBytes !== undefined ? { declaredBytes } : {}) })),
        (e: unknown) => e instanceof StreamLengthError && e.problem === problem, problem);
    }
    await assert.rejects(openOverlayStream(source(unsigned), { expectedBaseVmId: baseVmId, declaredBytes: 10_000 }), (e: unknown) =>
      e instanceof StreamLengthError && e.problem === 'below-meta', 'a declared length the meta cannot fit is refused after the meta');
  });

  it('refuses a v1 package (meta last) and a member with a data descriptor at its header', async () => {
    const path = join(dir, 'v1.zip');
    const zip = await StoredZipWriter.create(path);
    await zip.addMember('overlay-blob-1', blobs[0]!);
    await zip.addMember('overlay-meta', Buffer.from(encode({ format: 'cloudlet-overlay', version: 1 })));
    await zip.finish('');
    await assert.rejects(openOverlayStream(source(await readFile(path)), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof StreamLayoutError && e.offset === 0 && /format v1/.test(e.message));
    const descriptor = Buffer.from(unsigned);
    descriptor.writeUInt16LE(0x0008, 6);
    await assert.rejects(openOverlayStream(source(descriptor), { expectedBaseVmId: baseVmId }), (e: unknown) =>
      e instanceof StreamLayoutError && /data descriptor/.test(e.message));
  });
});
