import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadMagicError,
  encodeLibvirtSaveHeader,
  LibvirtSaveHeaderError,
  openMemorySnapshot,
  UnsupportedStreamFeatureError,
} from '../../../../sdk/image/memory/index.js';
import { fileHeader, ramStart, sampleStream } from './hand-made-stream.js';

describe('openMemorySnapshot', () => {
  let dir: string;
  const header = { complete: true, wasRunning: false, compressed: 0, xml: '<domain/>', cookie: null };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snapshot-file-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function file(name: string, ...parts: Buffer[]): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, Buffer.concat(parts));
    return path;
  }

  it('opens a bare QEVM stream at offset 0', async () => {
    const snapshot = await openMemorySnapshot(await file('bare.mem', sampleStream()));
    assert.equal(snapshot.libvirt, null);
    assert.equal(snapshot.streamOffset, 0);
    assert.equal(snapshot.stream.header.blocks[0]!.id, 'pc.ram');
    snapshot.stream.close();
  });

  it('opens the stream inside a libvirt save image, reporting file offsets', async () => {
    const prefix = encodeLibvirtSaveHeader(header);
    const snapshot = await openMemorySnapshot(await file('vm.save', prefix, sampleStream()));
    assert.equal(snapshot.libvirt!.xml, '<domain/>');
    assert.equal(snapshot.streamOffset, prefix.length);
    for await (const record of snapshot.stream.records()) {
      assert.equal(record.kind === 'section' && record.offset, prefix.length + fileHeader().length + ramStart().length);
      break;
    }
    snapshot.stream.close();
  });

  it('refuses compressed and unfinished libvirt images, and files of neither kind', async () => {
    const compressed = await file('xz.save', encodeLibvirtSaveHeader({ ...header, compressed: 3 }), sampleStream());
    await assert.rejects(openMemorySnapshot(compressed), (error: unknown) => error instanceof UnsupportedStreamFeatureError && error.offset === 28);
    const partial = await file('part.save', encodeLibvirtSaveHeader({ ...header, complete: false }), sampleStream());
    await assert.rejects(openMemorySnapshot(partial), LibvirtSaveHeaderError);
    await assert.rejects(openMemorySnapshot(await file('x.bin', Buffer.from('\x7fELF and more bytes'))), (error: unknown) => error instanceof BadMagicError && error.offset === 0);
  });
});
