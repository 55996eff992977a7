import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  DeviceStateError,
  fileSink,
  MigrationStreamReader,
  MigrationStreamWriter,
  StreamWriterError,
  writableSink,
  writeStream,
  type ByteSink,
  type StreamHeader,
} from '../../../../sdk/image/memory/index.js';
import { snapshotPair } from '../../../fixtures/guest/index.js';
import { BLOCKS, deviceTail, PAGE, readAll, sampleStream } from './hand-made-stream.js';

async function sha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk);
  return hash.digest('hex');
}

/** A sink that keeps everything in memory (for small hand-made streams). */
function memorySink(): ByteSink & { bytes(): Buffer } {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (chunk: Buffer) => chunks.push(chunk));
  return Object.assign(writableSink(out), { bytes: () => Buffer.concat(chunks) });
}

const HEADER: StreamHeader = {
  version: 3,
  machineType: 'pc-i440fx-7.2',
  ramSection: { sectionId: 2, instanceId: 0, versionId: 4 },
  blocks: BLOCKS,
};

describe('writeStream', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stream-writer-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('re-emits a parsed hand-made stream byte for byte, CONTINUE and section boundaries included', async () => {
    const reader = await MigrationStreamReader.fromSource((async function* () { yield sampleStream(); })());
    const sink = memorySink();
    const written = await writeStream(sink, reader.header, reader.records(), () => reader.deviceState());
    await sink.close();
    assert.deepEqual(sink.bytes(), sampleStream());
    assert.equal(written, sampleStream().length);
  });

  it('re-emits both real QEMU snapshots bit-exactly, streaming file to file', async () => {
    const { first, second } = await snapshotPair();
    for (const [n, snapshot] of [first, second].entries()) {
      const reader = await MigrationStreamReader.openFile(snapshot.path);
      const copy = join(dir, `copy-${n}.mem`);
      const sink = await fileSink(copy);
      await writeStream(sink, reader.header, reader.records(), () => reader.deviceState());
      await sink.close();
      assert.equal(await sha256(copy), await sha256(snapshot.path));
    }
  });
});

describe('MigrationStreamWriter refuses to write an invalid stream', () => {
  const data = Buffer.alloc(PAGE, 9);
  const deviceState = { offset: 0, bytes: deviceTail(), vmDescription: '{}' };

  async function writerInSection(): Promise<MigrationStreamWriter> {
    const writer = new MigrationStreamWriter(memorySink(), HEADER);
    await writer.beginSection('part');
    return writer;
  }

  it('writes pages only inside a RAM section and nothing after finish', async () => {
    const writer = new MigrationStreamWriter(memorySink(), HEADER);
    await assert.rejects(writer.writePage({ block: 'pc.ram', offset: 0, zero: true }), StreamWriterError);
    await writer.beginSection('end');
    await writer.finish(deviceState);
    await assert.rejects(writer.beginSection('part'), StreamWriterError);
  });

  it('checks block, alignment, range and data length of every page', async () => {
    const writer = await writerInSection();
    const bad = [
      { block: 'vga.vram', offset: 0, zero: false as const, data },
      { block: 'pc.ram', offset: 100, zero: false as const, data },
      { block: 'pc.bios', offset: 4 * PAGE, zero: true as const },
      { block: 'pc.ram', offset: 0, zero: false as const, data: data.subarray(1) },
    ];
    for (const page of bad) await assert.rejects(writer.writePage(page), StreamWriterError, JSON.stringify({ ...page, data: undefined }));
  });

  it('refuses a block list it could not encode', () => {
    for (const blocks of [[], [{ id: 'x', length: 100 }], [{ id: 'a', length: PAGE }, { id: 'a', length: PAGE }], [{ id: 'x'.repeat(256), length: PAGE }]]) {
      assert.throws(() => new MigrationStreamWriter(memorySink(), { ...HEADER, blocks }), StreamWriterError);
    }
  });

  it('checks the device state it appends', async () => {
    const writer = await writerInSection();
    await assert.rejects(writer.finish({ ...deviceState, bytes: deviceTail().subarray(0, -3) }), DeviceStateError);
  });

  it('writes a stream the reader reads back page for page', async () => {
    const sink = memorySink();
    const writer = new MigrationStreamWriter(sink, HEADER);
    await writer.beginSection('end');
    await writer.writePage({ block: 'pc.bios', offset: PAGE, zero: false, data });
    await writer.writePage({ block: 'pc.bios', offset: 0, zero: true });
    await writer.writePage({ block: 'pc.ram', offset: 15 * PAGE, zero: false, data });
    await writer.finish(deviceState);
    await sink.close();
    const { header, records } = await readAll(sink.bytes());
    assert.deepEqual(header, HEADER);
    const pages = records.flatMap((r) => (r.kind === 'page' ? [`${r.block}@${r.offset / PAGE}${r.continued ? '+c' : ''}`] : []));
    assert.deepEqual(pages, ['pc.bios@1', 'pc.bios@0+c', 'pc.ram@15']);
  });
});

describe('MigrationStreamWriter.writePageRun', () => {
  const deviceState = { offset: 0, bytes: deviceTail(), vmDescription: '{}' };
  const pages = [Buffer.alloc(PAGE, 1), Buffer.alloc(PAGE), Buffer.alloc(PAGE, 3), Buffer.alloc(PAGE)];

  it('writes the same bytes as one writePage per page, zero pages as ZERO records', async () => {
    const one = memorySink();
    const byPage = new MigrationStreamWriter(one, HEADER);
    await byPage.beginSection('end');
    for (const [i, data] of pages.entries()) {
      const zero = data.equals(Buffer.alloc(PAGE));
      await byPage.writePage(zero ? { block: 'pc.ram', offset: (4 + i) * PAGE, zero } : { block: 'pc.ram', offset: (4 + i) * PAGE, zero, data });
    }
    await byPage.writePage({ block: 'pc.bios', offset: 0, zero: false, data: pages[2]! });
    await byPage.writePage({ block: 'pc.ram', offset: 0, zero: false, data: pages[0]! });
    await byPage.finish(deviceState);
    await one.close();

    const two = memorySink();
    const byRun = new MigrationStreamWriter(two, HEADER);
    await byRun.beginSection('end');
    await byRun.writePageRun('pc.ram', 4 * PAGE, Buffer.concat(pages));
    await byRun.writePageRun('pc.bios', 0, pages[2]!);
    await byRun.writePageRun('pc.ram', 0, pages[0]!);
    await byRun.finish(deviceState);
    await two.close();
    assert.ok(two.bytes().equals(one.bytes()));
  });

  it('refuses runs outside their block, unaligned, of partial pages, or outside a section', async () => {
    const writer = new MigrationStreamWriter(memorySink(), HEADER);
    await assert.rejects(writer.writePageRun('pc.ram', 0, pages[0]!), StreamWriterError);
    await writer.beginSection('end');
    const ram = BLOCKS.find((block) => block.id === 'pc.ram')!;
    for (const [block, offset, data] of [['vga.vram', 0, pages[0]!], ['pc.ram', 100, pages[0]!], ['pc.ram', ram.length - PAGE, Buffer.concat(pages)], ['pc.ram', 0, pages[0]!.subarray(1)]] as const) {
      await assert.rejects(writer.writePageRun(block, offset, data), StreamWriterError, `${block}@${offset} (${data.length} bytes)`);
    }
  });
});
