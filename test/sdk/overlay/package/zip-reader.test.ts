import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CompressionMethodError,
  DuplicateMemberError,
  HeaderMismatchError,
  MemberBoundsError,
  MemberLimitError,
  MemberNameError,
  ZipStructureError,
} from '../../../../sdk/overlay/package/errors.js';
import { StoredZipReader, type ZipLimits } from '../../../../sdk/overlay/package/zip-reader.js';
import { StoredZipWriter } from '../../../../sdk/overlay/package/zip-writer.js';
import { buildZip, type RawMember } from './zip-bytes.js';

const limits: ZipLimits = { maxMembers: 8, maxCentralDirectoryBytes: 8192 };
let dir: string;
let counter = 0;

async function zipFile(bytes: Buffer): Promise<string> {
  const path = join(dir, `z${counter++}.zip`);
  await writeFile(path, bytes);
  return path;
}

async function openBytes(bytes: Buffer, with_: ZipLimits = limits): Promise<StoredZipReader> {
  return StoredZipReader.open(await zipFile(bytes), with_);
}

const member = (name: string | Buffer, data: string | Buffer = 'payload', extra: Partial<RawMember> = {}): RawMember =>
  ({ name, data: Buffer.from(data), ...extra });

describe('StoredZipReader', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'zip-reader-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('lists the members of a well-formed stored zip and reads their bytes', async () => {
    const zip = await openBytes(buildZip([member('a', 'first'), member('b', 'second member')]));
    assert.deepEqual([...zip.members.keys()], ['a', 'b']);
    const b = zip.members.get('b')!;
    assert.equal((await zip.read(b, 0, b.size)).toString(), 'second member');
    assert.equal((await zip.read(b, 7, 6)).toString(), 'member');
    await zip.close();
  });

  it('reads an archive made by Info-ZIP `zip -0`, whose local and central extra fields differ', async () => {
    await writeFile(join(dir, 'plain'), 'x'.repeat(1000));
    const path = join(dir, 'info-zip.zip');
    await promisify(execFile)('zip', ['-0', '-j', '-q', path, join(dir, 'plain')]);
    const zip = await StoredZipReader.open(path, limits);
    const plain = zip.members.get('plain')!;
    assert.equal((await zip.read(plain, 0, plain.size)).toString(), 'x'.repeat(1000));
    await zip.close();
  });

  it('refuses a read that would leave the member', async () => {
    const zip = await openBytes(buildZip([member('a', 'four')]));
    await assert.rejects(zip.read(zip.members.get('a')!, 1, 4), MemberBoundsError);
    await zip.close();
  });

  for (const [name, problem] of [
    ['/etc/passwd', 'absolute'],
    ['\\evil', 'absolute'],
    ['C:evil', 'absolute'],
    ['a/b', 'slash'],
    ['a\\b', 'backslash'],
    ['..', 'dot-dot'],
    ['blob..1', 'dot-dot'],
    ['a\0b', 'nul'],
    ['', 'empty'],
    ['x'.repeat(256), 'too-long'],
    ['caf\xe9', 'non-printable'],
    ['a b', 'non-printable'], // the rule base archives brought to the shared zip name check
  ] as const) {
    it(`refuses the member name ${JSON.stringify(name)} as ${problem}`, async () => {
      await assert.rejects(openBytes(buildZip([member(name)])), (e: unknown) =>
        e instanceof MemberNameError && e.problem === problem && e.member === name);
    });
  }

  it('refuses a name that appears twice', async () => {
    await assert.rejects(openBytes(buildZip([member('a'), member('a')])), (e: unknown) =>
      e instanceof DuplicateMemberError && e.member === 'a');
  });

  it('refuses deflated members', async () => {
    await assert.rejects(openBytes(buildZip([member('a', 'x', { method: 8 })])), (e: unknown) =>
      e instanceof CompressionMethodError && e.member === 'a' && e.method === 8);
  });

  for (const [flags, what] of [[0x0001, 'encrypted'], [0x0008, 'data-descriptor']] as const) {
    it(`refuses ${what} members (flags 0x${flags.toString(16)})`, async () => {
      await assert.rejects(openBytes(buildZip([member('a', 'x', { flags })])), ZipStructureError);
    });
  }

  it('refuses a local header whose size disagrees with the central directory', async () => {
    await assert.rejects(openBytes(buildZip([member('a', 'four', { localSize: 3 })])), (e: unknown) =>
      e instanceof HeaderMismatchError && e.member === 'a' && e.field === 'compressed size' && e.central === 4 && e.local === 3);
  });

  it('refuses a local header whose name disagrees with the central directory', async () => {
    await assert.rejects(openBytes(buildZip([member('a', 'four', { localName: 'b' })])), (e: unknown) =>
      e instanceof HeaderMismatchError && e.field === 'name' && e.local === 'b');
  });

  it('refuses a central CRC-32 that disagrees with the local header', async () => {
    await assert.rejects(openBytes(buildZip([member('a', 'four', { centralCrc: 1 })])), (e: unknown) =>
      e instanceof HeaderMismatchError && e.field === 'crc32' && e.central === 1);
  });

  it('refuses a member whose data would run into the central directory', async () => {
    const bytes = buildZip([member('a', 'four', { localSize: 5000, centralSize: 5000 })]);
    await assert.rejects(openBytes(bytes), (e: unknown) =>
      e instanceof MemberBoundsError && e.member === 'a' && e.offset === 31 && e.length === 5000 && e.limit === 35);
  });

  it('refuses a local header offset past the end of the member area', async () => {
    await assert.rejects(openBytes(buildZip([member('a', 'four', { headerOffset: 1_000_000 })])), (e: unknown) =>
      e instanceof MemberBoundsError && e.offset === 1_000_000);
  });

  it('refuses members that share bytes', async () => {
    // Member b's local header and data sit inside member a's data, as in overlapping-file zip bombs.
    const inner = buildZip([member('b', 'shared')]).subarray(0, 30 + 1 + 6);
    const bytes = buildZip([member('a', inner), member('b', 'shared', { headerOffset: 31 })]);
    await assert.rejects(openBytes(bytes), (e: unknown) => e instanceof ZipStructureError && /overlap/.test(e.reason));
  });

  it('refuses more members than the limit before reading the central directory', async () => {
    const members = Array.from({ length: 9 }, (_, i) => member(`m${i}`));
    await assert.rejects(openBytes(buildZip(members)), (e: unknown) =>
      e instanceof MemberLimitError && e.count === 9 && e.limit === 8);
  });

  it('refuses a central directory larger than its limit', async () => {
    await assert.rejects(openBytes(buildZip([member('a')]), { maxMembers: 8, maxCentralDirectoryBytes: 40 }), ZipStructureError);
  });

  it('refuses a file without an end record, and one too short to hold it', async () => {
    await assert.rejects(openBytes(Buffer.from('not a zip at all, just some text here')), (e: unknown) =>
      e instanceof ZipStructureError && /no end-of-central-directory/.test(e.reason));
    await assert.rejects(openBytes(Buffer.from('tiny')), ZipStructureError);
  });

  it('refuses ZIP64 markers without ZIP64 records, and multi-disk archives', async () => {
    await assert.rejects(openBytes(buildZip([member('a')], { entries: 0xffff })), (e: unknown) =>
      e instanceof ZipStructureError && /ZIP64/.test(e.reason));
    await assert.rejects(openBytes(buildZip([member('a')], { disk: 1 })), (e: unknown) =>
      e instanceof ZipStructureError && /disks/.test(e.reason));
  });

  describe('ZIP64 records that lie', () => {
    /** A ZIP64 archive from our writer (threshold lowered), its bytes and where its records are. */
    async function zip64(): Promise<{ bytes: Buffer; end: number; locator: number; zip64End: number; central: number }> {
      const path = join(dir, `w${counter++}.zip`);
      const zip = await StoredZipWriter.create(path, { zip64From: 100 });
      await zip.addMember('a', Buffer.alloc(200, 1));
      await zip.addMember('b', Buffer.alloc(10, 2));
      await zip.finish('');
      const bytes = await readFile(path);
      const end = bytes.length - 22;
      return { bytes, end, locator: end - 20, zip64End: end - 76, central: Number(bytes.readBigUInt64LE(end - 76 + 48)) };
    }
    const refused = async (bytes: Buffer, pattern: RegExp) =>
      assert.rejects(openBytes(bytes), (e: unknown) => e instanceof ZipStructureError && pattern.test(e.reason));

    it('reads the untouched archive', async () => {
      const reader = await openBytes((await zip64()).bytes);
      assert.deepEqual([...reader.members.keys()], ['a', 'b']);
      await reader.close();
    });

    it('refuses a locator that points elsewhere, extensible data, several disks and counts that disagree', async () => {
      let z = await zip64();
      z.bytes.writeBigUInt64LE(BigInt(z.zip64End - 8), z.locator + 8);
      await refused(z.bytes, /does not point right before itself/);
      z = await zip64();
      z.bytes.writeBigUInt64LE(52n, z.zip64End + 4);
      await refused(z.bytes, /extensible data/);
      z = await zip64();
      z.bytes.writeUInt32LE(2, z.locator + 16);
      await refused(z.bytes, /several disks/);
      z = await zip64();
      z.bytes.writeBigUInt64LE(3n, z.zip64End + 32);
      await refused(z.bytes, /impossible counts/);
      z = await zip64();
      z.bytes.writeUInt32LE(0x12345678, z.zip64End);
      await refused(z.bytes, /signature/);
      z = await zip64();
      z.bytes.writeUInt16LE(1, z.end + 8);
      z.bytes.writeUInt16LE(1, z.end + 10);
      await refused(z.bytes, /disagree on the central directory entries/);
    });

    it('refuses a member whose offset is marked ZIP64 but not given, or given past the members', async () => {
      let z = await zip64();
      // b's central header: after a's (46 + 1 name byte, no extra); its extra field follows its name.
      const b = z.central + 47;
      z.bytes.writeUInt16LE(0x9999, b + 46 + 1);
      await refused(z.bytes, /offset marked ZIP64 without a ZIP64 extra field/);
      z = await zip64();
      z.bytes.writeBigUInt64LE(BigInt(z.central), b + 46 + 1 + 4);
      await assert.rejects(openBytes(z.bytes), MemberBoundsError);
    });
  });

  it('refuses data prepended to an archive whose offsets do not account for it', async () => {
    const bytes = Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), buildZip([member('a')])]);
    await assert.rejects(openBytes(bytes), (e: unknown) => e instanceof ZipStructureError && /prepended/.test(e.reason));
  });

  it('refuses a central directory that claims more bytes than the file holds', async () => {
    await assert.rejects(openBytes(buildZip([member('a')], { centralSize: 4000 })), ZipStructureError);
  });

  it('refuses an end record whose comment length does not reach the end of the file', async () => {
    const bytes = Buffer.concat([buildZip([member('a')]), Buffer.from('trailing')]);
    await assert.rejects(openBytes(bytes), ZipStructureError);
  });
});
