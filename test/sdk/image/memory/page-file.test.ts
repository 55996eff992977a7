import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MalformedStreamError, MigrationStreamReader, PageFile, PageIndex, TruncatedStreamError } from '../../../../sdk/image/memory/index.js';
import { PAGE, sampleStream } from './hand-made-stream.js';

describe('PageFile', () => {
  let dir: string;
  let path: string;
  let index: PageIndex;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'page-file-'));
    path = join(dir, 'sample.mem');
    await writeFile(path, sampleStream());
    index = await PageIndex.fromStream(await MigrationStreamReader.openFile(path));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads back every indexed page, the latest copy, and zero pages without touching the file', async () => {
    const file = await PageFile.open(path);
    const pages = [];
    for await (const page of file.pages(index.entries())) pages.push(page.zero ? 'zero' : page.data[0]);
    await file.close();
    assert.deepEqual(pages, [3, 'zero', 2, 4]);
  });

  it('refuses a page whose bytes changed since indexing, and one cut off by truncation', async () => {
    const bytes = sampleStream();
    const entry = index.get('pc.bios', 3 * PAGE)!;
    bytes[entry.dataOffset + 10] ^= 0xff;
    await writeFile(path, bytes);
    let file = await PageFile.open(path);
    await assert.rejects(file.read(entry), (error: unknown) => error instanceof MalformedStreamError && error.offset === entry.dataOffset);
    await file.close();

    await writeFile(path, bytes.subarray(0, entry.dataOffset + 100));
    file = await PageFile.open(path);
    await assert.rejects(file.read(entry), TruncatedStreamError);
    await file.close();
  });
});
