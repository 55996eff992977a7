import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import { Zip64RequiredError } from '../../../../sdk/overlay/package/errors.js';
import { StoredZipReader } from '../../../../sdk/overlay/package/zip-reader.js';
import { StoredZipWriter } from '../../../../sdk/overlay/package/zip-writer.js';

let dir: string;

async function* pieces(total: number, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < total; at += size) yield Buffer.alloc(Math.min(size, total - at), at % 251);
}

/** Lists entries with yauzl, an independent reader, to check the writer against more than its own reader. */
async function yauzlEntries(path: string): Promise<{ name: string; method: number; flags: number; crc: number; size: number }[]> {
  const zip = await promisify<string, yauzl.Options, yauzl.ZipFile>(yauzl.open)(path, { lazyEntries: false });
  const entries: { name: string; method: number; flags: number; crc: number; size: number }[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('entry', (e: yauzl.Entry) => entries.push({
      name: e.fileName, method: e.compressionMethod, flags: e.generalPurposeBitFlag, crc: e.crc32, size: e.uncompressedSize,
    }));
    zip.on('end', resolve);
    zip.on('error', reject);
  });
  return entries;
}

describe('StoredZipWriter', () => {
  before(async () => { dir = await mkdtemp(join(tmpdir(), 'zip-writer-')); });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('writes stored members, streamed or whole, that other zip readers accept', async () => {
    const path = join(dir, 'ok.zip');
    const zip = await StoredZipWriter.create(path);
    const streamed = await zip.addMember('streamed', pieces(300_000, 65536));
    const whole = await zip.addMember('whole', Buffer.from('hello'));
    const empty = await zip.addMember('empty', new Uint8Array(0));
    await zip.finish('comment');

    assert.deepEqual([streamed.size, whole.size, empty.size], [300_000, 5, 0]);
    assert.equal(whole.crc32, crc32('hello'));
    assert.deepEqual(await yauzlEntries(path), [
      { name: 'streamed', method: 0, flags: 0, crc: streamed.crc32, size: 300_000 },
      { name: 'whole', method: 0, flags: 0, crc: crc32('hello'), size: 5 },
      { name: 'empty', method: 0, flags: 0, crc: 0, size: 0 },
    ]);
    await promisify(execFile)('unzip', ['-tq', path]);
    const bytes = await readFile(path);
    assert.equal(bytes.subarray(bytes.length - 7).toString(), 'comment');
  });

  it('patches the local header so it matches the central directory (no data descriptor)', async () => {
    const path = join(dir, 'patched.zip');
    const zip = await StoredZipWriter.create(path);
    await zip.addMember('m', pieces(10_000, 999));
    await zip.finish('');
    const bytes = await readFile(path);
    assert.equal(bytes.readUInt16LE(6), 0, 'no flags');
    assert.equal(bytes.readUInt32LE(18), 10_000);
    assert.equal(bytes.readUInt32LE(22), 10_000);
    const reader = await StoredZipReader.open(path, { maxMembers: 1, maxCentralDirectoryBytes: 1024 });
    assert.equal(reader.members.get('m')!.size, 10_000);
    await reader.close();
  });

  it('refuses a member larger than the limit, naming it', async () => {
    const zip = await StoredZipWriter.create(join(dir, 'big.zip'), { limit: 1000 });
    await assert.rejects(zip.addMember('big', pieces(1001, 100)), (e: unknown) =>
      e instanceof Zip64RequiredError && e.member === 'big' && e.field === 'size' && e.value === 1001 && e.limit === 1000);
    await zip.close();
  });

  it('writes ZIP64 records once offsets pass the threshold, which unzip, yauzl and our reader all read', async () => {
    // 4 GiB of test data is too slow to write; a threshold of 1000 bytes takes the same code path.
    const path = join(dir, 'zip64.zip');
    const zip = await StoredZipWriter.create(path, { zip64From: 1000 });
    const members = [['a', Buffer.alloc(990, 1)], ['b', Buffer.alloc(500, 2)], ['c', Buffer.alloc(20, 3)]] as const;
    for (const [name, data] of members) await zip.addMember(name, data);
    await zip.finish('zip64 test');
    const bytes = await readFile(path);
    const end = bytes.length - 22 - 'zip64 test'.length;
    assert.equal(bytes.readUInt32LE(end + 16), 0xffffffff, 'the end record points to the ZIP64 end record');
    assert.equal(bytes.readUInt32LE(end - 20), 0x07064b50, 'a ZIP64 locator precedes the end record');
    assert.equal(bytes.readUInt32LE(end - 76), 0x06064b50, 'the ZIP64 end record precedes the locator');

    await promisify(execFile)('unzip', ['-tq', path]);
    assert.deepEqual((await yauzlEntries(path)).map((e) => [e.name, e.size]), members.map(([name, data]) => [name, data.length]));
    const reader = await StoredZipReader.open(path, { maxMembers: 3, maxCentralDirectoryBytes: 1024 });
    for (const [name, data] of members) {
      const member = reader.members.get(name)!;
      assert.ok((await reader.read(member, 0, member.size)).equals(data), name);
    }
    assert.equal(reader.members.get('b')!.headerOffset, 1021, "b's offset came from its ZIP64 extra field");
    await reader.close();
  });

  it('never raises its limit above what zip32 fields hold', async () => {
    const zip = await StoredZipWriter.create(join(dir, 'cap.zip'), { limit: 2 ** 40 });
    await assert.rejects(zip.addMember('huge', (async function* () {
      yield Buffer.alloc(1);
      // A fake piece with a huge length: the size check runs before any byte of it is written.
      yield { length: 2 ** 32 } as unknown as Uint8Array;
    })()), (e: unknown) => e instanceof Zip64RequiredError && e.limit === 0xfffffffe);
    await zip.close();
  });
});
