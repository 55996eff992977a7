import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import {
  BadMagicError,
  ByteReader,
  DeviceStateError,
  MalformedStreamError,
  MemorySnapshotError,
  MigrationStreamReader,
  TruncatedStreamError,
  UnexpectedSectionError,
  UnsupportedStreamFeatureError,
  UnsupportedVersionError,
  describedDevices,
  type RamRecord,
  type StreamPage,
} from '../../../../sdk/image/memory/index.js';
import { snapshotPair, type SnapshotPair } from '../../../fixtures/guest/index.js';
import { be32, deviceTail, fileHeader, PAGE, RAM_ID, ramSection, ramStart, readAll, readerOf, sampleStream, u8 } from './hand-made-stream.js';

async function refusal(bytes: Buffer): Promise<MemorySnapshotError> {
  const error = await readAll(bytes).then(
    () => assert.fail('the stream was accepted'),
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof MemorySnapshotError, String(error));
  return error;
}

describe('MigrationStreamReader on hand-made streams', () => {
  it('yields sections and pages in order, resolving CONTINUE across a section boundary', async () => {
    for (const chunkSize of [1, 7, PAGE - 1, PAGE, PAGE + 1, 1 << 20]) {
      const { header, records, deviceState } = await readAll(sampleStream(), chunkSize);
      assert.equal(header.machineType, 'pc-i440fx-7.2');
      assert.deepEqual(header.ramSection, { sectionId: RAM_ID, instanceId: 0, versionId: 4 });
      const summary = records.map((r) => (r.kind === 'section' ? r.type : `${r.block}@${r.offset / PAGE}${r.zero ? ':zero' : `:${r.data[0]}`}${r.continued ? '+c' : ''}`));
      assert.deepEqual(summary, ['part', 'pc.ram@0:1', 'pc.ram@1:zero+c', 'pc.ram@2:2+c', 'end', 'pc.ram@0:3+c', 'pc.bios@3:4'], `chunks of ${chunkSize}`);
      assert.deepEqual(Buffer.from(deviceState.bytes), deviceTail());
      assert.deepEqual(describedDevices(deviceState), ['timer']);
    }
  });

  it('reports the file offsets of each record and of its data', async () => {
    const { records } = await readAll(sampleStream());
    const bytes = sampleStream();
    const page = records.find((r) => r.kind === 'page' && !r.zero);
    assert.ok(page?.kind === 'page' && !page.zero);
    assert.equal(bytes.readUInt32BE(page.recordOffset + 4) & 0xfff, 0x08);
    assert.deepEqual(bytes.subarray(page.dataOffset, page.dataOffset + PAGE), Buffer.from(page.data));
  });

  it('continues where a loop broke off when records() is called again', async () => {
    const reader = await readerOf(sampleStream());
    const seen: RamRecord[] = [];
    for await (const record of reader.records()) {
      seen.push(record);
      if (seen.length === 2) break;
    }
    for await (const record of reader.records()) seen.push(record);
    assert.equal(seen.length, 7);
    assert.equal((await reader.deviceState()).bytes.length, deviceTail().length);
  });

  it('refuses bad magic and other stream versions, at offset 0 and 4', async () => {
    const wrongMagic = sampleStream();
    wrongMagic.write('QEVN', 0);
    const magic = await refusal(wrongMagic);
    assert.ok(magic instanceof BadMagicError);
    assert.deepEqual([magic.offset, magic.found], [0, '5145564e']);
    const old = await refusal(Buffer.concat([fileHeader('pc', 2), ramStart()]));
    assert.ok(old instanceof UnsupportedVersionError);
    assert.deepEqual([old.offset, old.found], [4, 2]);
  });

  it('refuses an unknown section type where a RAM section or the device state should start', async () => {
    const at = fileHeader().length + ramStart().length;
    const error = await refusal(Buffer.concat([fileHeader(), ramStart(), u8(0x09), be32(RAM_ID)]));
    assert.ok(error instanceof UnexpectedSectionError);
    assert.deepEqual([error.sectionType, error.offset], [0x09, at]);
  });

  it('refuses command sections, configuration subsections and iterable sections other than ram', async () => {
    const command = await refusal(Buffer.concat([fileHeader(), ramStart(), u8(0x08), Buffer.alloc(4)]));
    assert.ok(command instanceof UnsupportedStreamFeatureError);
    assert.equal(command.feature, 'command section');
    const subsection = await refusal(Buffer.concat([fileHeader(), u8(0x05), ramStart()]));
    assert.ok(subsection instanceof UnsupportedStreamFeatureError);
    assert.equal(subsection.offset, fileHeader().length);
    const block = Buffer.concat([u8(0x01), be32(3), u8(5), Buffer.from('block'), be32(0), be32(1)]);
    const iterable = await refusal(Buffer.concat([fileHeader(), ramStart(), block]));
    assert.ok(iterable instanceof UnsupportedStreamFeatureError);
    assert.match(iterable.found, /"block"/);
  });

  it('refuses a RAM section with another section id, or a wrong or missing footer', async () => {
    const otherId = await refusal(Buffer.concat([fileHeader(), ramStart(), ramSection(0x03, [], 9)]));
    assert.ok(otherId instanceof MalformedStreamError);
    const noFooter = ramSection(0x03, []).subarray(0, -5);
    const missing = await refusal(Buffer.concat([fileHeader(), ramStart(), noFooter, deviceTail()]));
    assert.ok(missing instanceof MalformedStreamError);
    assert.equal(missing.problem, 'section footer missing');
  });

  it('refuses a stream whose device state does not end in EOF + VMDESCRIPTION', async () => {
    const cut = sampleStream().subarray(0, -1);
    const error = await refusal(cut);
    assert.ok(error instanceof DeviceStateError);
    assert.deepEqual([error.problem, error.offset], ['no-vmdescription', cut.length]);
  });
});

describe('MigrationStreamReader on a real QEMU 7.2 snapshot', () => {
  let pair: SnapshotPair;
  let size: number;
  const sections: Extract<RamRecord, { kind: 'section' }>[] = [];
  const pages: StreamPage[] = [];
  let deviceOffset: number;
  let totalBytes: number;

  before(async () => {
    pair = await snapshotPair();
    size = (await stat(pair.first.path)).size;
    const reader = await MigrationStreamReader.openFile(pair.first.path);
    totalBytes = reader.header.blocks.reduce((sum, block) => sum + block.length, 0);
    for await (const record of reader.records()) {
      if (record.kind === 'section') sections.push(record);
      // Keep offsets only: holding 100 MB of page data is what the reader exists to avoid.
      else pages.push({ ...record, ...(record.zero ? {} : { data: new Uint8Array(0) }) } as StreamPage);
    }
    deviceOffset = (await reader.deviceState()).offset;
  });

  it('sees the pc machine, the ram section v4 and the six RAM blocks of a 256 MB pc guest', async () => {
    const { header } = await MigrationStreamReader.openFile(pair.first.path);
    assert.match(header.machineType!, /^pc-i440fx-/);
    assert.equal(header.ramSection.versionId, 4);
    assert.deepEqual(header.blocks[0], { id: 'pc.ram', length: pair.memoryMiB << 20 });
    assert.deepEqual(header.blocks.map((b) => b.id).sort(), ['/rom@etc/acpi/rsdp', '/rom@etc/acpi/tables', '/rom@etc/table-loader', 'pc.bios', 'pc.ram', 'pc.rom']);
  });

  it('finds every page exactly once (the VM was stopped), zero pages flagged, ending with one END section', () => {
    const keys = new Set(pages.map((p) => `${p.block}@${p.offset}`));
    assert.equal(keys.size, pages.length);
    assert.equal(pages.length, totalBytes / PAGE);
    assert.ok(pages.filter((p) => p.zero).length > 10_000);
    assert.ok(pages.filter((p) => !p.zero).length > 2_048, 'at least the 8 MB random blob');
    assert.equal(sections.at(-1)!.type, 'end');
    assert.ok(sections.slice(0, -1).every((s) => s.type === 'part'));
  });

  it('keeps the device state opaque: FULL sections up to EOF + a VMDESCRIPTION listing the devices', async () => {
    const reader = await MigrationStreamReader.openFile(pair.first.path);
    const state = await reader.deviceState();
    assert.equal(state.bytes[0], 0x04);
    assert.equal(state.offset + state.bytes.length, size);
    assert.ok(describedDevices(state).includes('timer'));
    assert.ok(!describedDevices(state).includes('ram'), 'RAM is not part of the device state');
  });

  it('refuses the stream cut at any point with a typed error at the right offset', async () => {
    const dataPage = pages.find((p) => !p.zero)!;
    const cuts: Array<[string, number, new (...args: never[]) => MemorySnapshotError, number]> = [
      ['inside the magic', 6, TruncatedStreamError, 0],
      ['inside the block list', 60, TruncatedStreamError, -1],
      ['inside a record header', dataPage.recordOffset + 3, TruncatedStreamError, dataPage.recordOffset],
      ['inside page data', dataPage.dataOffset + 100, TruncatedStreamError, dataPage.dataOffset],
      ['right after a section', sections[1]!.offset, TruncatedStreamError, sections[1]!.offset],
      ['inside the device state', deviceOffset + 1000, DeviceStateError, deviceOffset + 1000],
      ['one byte short', size - 1, DeviceStateError, size - 1],
    ];
    for (const [where, end, type, offset] of cuts) {
      const error = await readAllOf(ByteReader.fromFile(pair.first.path, 0, end)).then(
        () => assert.fail(`accepted a stream cut ${where}`),
        (caught: unknown) => caught,
      );
      assert.ok(error instanceof type, `${where}: ${String(error)}`);
      if (offset >= 0) assert.equal(error.offset, offset, where);
    }
  });
});

async function readAllOf(reader: ByteReader): Promise<void> {
  const stream = await MigrationStreamReader.open(reader);
  for await (const _ of stream.records());
  await stream.deviceState();
}
