import assert from 'node:assert/strict';
import { hash } from 'node:crypto';
import { access, open, readFile, stat, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { HashListFormatError, UnalignedSizeError } from '../../../../sdk/image/disk/errors.js';
import { readHashList, readHashListHeader, writeHashList } from '../../../../sdk/image/disk/hash-list.js';
import { rawImage, scratch } from './images.js';

const MiB = 1 << 20;
let s: Awaited<ReturnType<typeof scratch>>;
let disk: string;
let list: string;

async function entries(path: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const { index, digest } of readHashList(path)) {
    assert.equal(index, out.length);
    out.push(Buffer.from(digest));
  }
  return out;
}

/** A copy of the valid list with `edit` applied to its bytes. */
async function corrupted(name: string, edit: (bytes: Buffer) => Buffer): Promise<string> {
  const path = s.path(name);
  await writeFile(path, edit(await readFile(list)));
  return path;
}

const formatError = (field: string) => (e: unknown) => e instanceof HashListFormatError && e.field === field;

describe('disk hash list', () => {
  before(async () => {
    s = await scratch('hash-list-');
    // 8 MiB, sparse, with data at chunk edges and in a hole-surrounded run.
    disk = await rawImage(s.path('disk.raw'), 8 * MiB, 'write -P 0x5a 0 4096', 'write -P 0x33 12287 2', 'write -P 0x77 3M 1M', 'write -P 0x01 8384512 4096');
    list = s.path('disk.hashes');
    await writeHashList(disk, list);
  });
  after(() => s.remove());

  it('holds the SHA-256 of every chunk, holes included, in chunk order', async () => {
    const bytes = await readFile(disk);
    const expected = Array.from({ length: 2048 }, (_, i) => hash('sha256', bytes.subarray(i * 4096, (i + 1) * 4096), 'buffer'));
    assert.deepEqual(await entries(list), expected);
  });

  it('has a header that describes the disk and a length that matches it exactly', async () => {
    const header = await readHashListHeader(list);
    assert.deepEqual({ ...header, checksum: header.checksum.length }, { chunkSize: 4096, chunkCount: 2048, diskSize: 8 * MiB, checksum: 64 });
    assert.equal((await stat(list)).size, 64 + 2048 * 32);
    const table = (await readFile(list)).subarray(64);
    assert.equal(header.checksum, hash('sha256', table));
  });

  for (const [field, edit] of [
    ['magic', (b: Buffer) => { b.write('XXXXXXXX', 0, 'latin1'); return b; }],
    ['version', (b: Buffer) => { b.writeUInt16BE(2, 8); return b; }],
    ['digest algorithm', (b: Buffer) => { b.writeUInt16BE(2, 10); return b; }],
    ['chunk size', (b: Buffer) => { b.writeUInt32BE(512, 12); return b; }],
    ['disk size', (b: Buffer) => { b.writeBigUInt64BE(BigInt(8 * MiB + 4096), 24); return b; }],
    ['chunk count', (b: Buffer) => { b.writeBigUInt64BE(2n ** 41n, 16); return b; }],
    ['file size', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['file size', (b: Buffer) => Buffer.concat([b, Buffer.alloc(32)])],
    ['file size', (b: Buffer) => b.subarray(0, 63)],
  ] as const) {
    it(`refuses a list whose ${field} is wrong (${edit.toString().slice(9, 60)})`, async () => {
      const path = await corrupted(`${field}.hashes`, edit);
      await assert.rejects(readHashListHeader(path), formatError(field));
      await assert.rejects(entries(path), formatError(field));
    });
  }

  it('refuses a changed digest once the stream reaches its end', async () => {
    const path = await corrupted('flipped.hashes', (b) => { b[64 + 1000 * 32]! ^= 1; return b; });
    let seen = 0;
    await assert.rejects((async () => { for await (const _ of readHashList(path)) seen++; })(), formatError('checksum'));
    assert.equal(seen, 2048);
  });

  it('refuses a disk that is not whole chunks and leaves no file behind', async () => {
    const odd = await rawImage(s.path('odd.raw'), MiB + 512);
    await assert.rejects(writeHashList(odd, s.path('odd.hashes')), (e: unknown) => e instanceof UnalignedSizeError && e.size === MiB + 512);
    await assert.rejects(access(s.path('odd.hashes.partial')));
  });

  it('hashes a sparse 8 GiB disk without reading its holes', async () => {
    const big = await rawImage(s.path('big.raw'), 8 * 1024 * MiB, 'write -P 0x42 5G 4096');
    const started = performance.now();
    const header = await writeHashList(big, s.path('big.hashes'));
    const seconds = (performance.now() - started) / 1000;
    assert.equal(header.chunkCount, 2 * MiB);
    const file = await open(s.path('big.hashes'), 'r');
    const digest = Buffer.alloc(32);
    await file.read(digest, 0, 32, 64 + (5 * 1024 * MiB / 4096) * 32);
    await file.close();
    assert.deepEqual(digest, hash('sha256', Buffer.alloc(4096, 0x42), 'buffer'));
    assert.ok(seconds < 10, `took ${seconds.toFixed(1)} s`);
  });
});
