import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileInTheWayError } from '../../../../sdk/files/index.js';
import { ChunkFile, ChunkIndexError, ChunkSizeError, ReadOnlyChunkFileError } from '../../../../sdk/overlay/chunk-io/index.js';

let dir: string;

describe('chunk file', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'chunk-file-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates a sparse file of whole chunks, writes chunks at their offsets and reads them back', async () => {
    const path = join(dir, 'out.raw');
    const file = await ChunkFile.create(path, 1024);
    await file.write(1023, Buffer.alloc(4096, 7));
    await file.write(3, Buffer.alloc(4096, 3));
    assert.ok((await file.read(1023)).equals(Buffer.alloc(4096, 7)));
    assert.ok((await file.read(0)).equals(Buffer.alloc(4096)));
    await file.close();
    const { size, blocks } = await stat(path);
    assert.equal(size, 1024 * 4096);
    assert.ok(blocks * 512 < 64 * 4096, 'only written chunks take space');
    const again = await ChunkFile.open(path);
    assert.equal(again.chunks, 1024);
    assert.ok((await again.read(3)).equals(Buffer.alloc(4096, 3)));
    await assert.rejects(again.write(0, Buffer.alloc(4096)), ReadOnlyChunkFileError);
    await again.close();
  });

  it('gathers consecutive writes into runs, reads them back before they reach the file, and flushes them on demand and on close', async () => {
    const path = join(dir, 'runs.raw');
    const file = await ChunkFile.create(path, 600);
    const chunk = (i: number) => Buffer.alloc(4096, i % 251);
    for (let i = 10; i < 300; i++) await file.write(i, chunk(i));
    await file.write(5, chunk(5));
    for (const i of [5, 10, 265, 299]) assert.ok((await file.read(i)).equals(chunk(i)), `chunk ${i} reads back`);
    // 10…265 filled one 1 MiB run and went out; 266…299 went out when the write to 5 broke the run; 5 is pending.
    let onDisk = await readFile(path);
    assert.ok(onDisk.subarray(299 * 4096, 300 * 4096).equals(chunk(299)));
    assert.ok(onDisk.subarray(5 * 4096, 6 * 4096).equals(Buffer.alloc(4096)), 'the pending run is not in the file yet');
    file.flush();
    onDisk = await readFile(path);
    assert.ok(onDisk.subarray(5 * 4096, 6 * 4096).equals(chunk(5)), 'flush() puts it there');
    await file.write(599, chunk(599));
    await file.close();
    onDisk = await readFile(path);
    assert.ok(onDisk.subarray(599 * 4096).equals(chunk(599)), 'close() flushes too');
  });

  it('refuses an existing path on create, partial chunks, and indexes outside the file', async () => {
    const path = join(dir, 'odd.raw');
    await writeFile(path, Buffer.alloc(4097));
    await assert.rejects(ChunkFile.create(path, 1), (e: unknown) => e instanceof FileInTheWayError && e.path === path);
    await assert.rejects(ChunkFile.open(path), (e: unknown) => e instanceof ChunkSizeError && e.size === 4097);
    const file = await ChunkFile.create(join(dir, 'small.raw'), 2);
    await assert.rejects(file.read(2), (e: unknown) => e instanceof ChunkIndexError && e.index === 2 && e.chunks === 2);
    await assert.rejects(file.read(-1), ChunkIndexError);
    await assert.rejects(file.write(0, Buffer.alloc(4095)), ChunkSizeError);
    await file.close();
  });
});
