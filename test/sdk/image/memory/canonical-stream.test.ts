import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  canonicalizeStreamFile,
  changedPages,
  fileSink,
  MigrationStreamReader,
  PageFile,
  PageIndex,
  StreamWriterError,
  writableSink,
  writeCanonicalStream,
  type DeviceState,
  type RamPage,
} from '../../../../sdk/image/memory/index.js';
import { launchRestoredGuest, snapshotPair, type GuestCounter, type GuestVm, type SnapshotPair } from '../../../fixtures/guest/index.js';
import { BLOCKS, deviceTail, PAGE } from './hand-made-stream.js';

interface Indexed {
  index: PageIndex;
  deviceState: DeviceState;
  header: MigrationStreamReader['header'];
}

async function indexOf(path: string): Promise<Indexed> {
  const stream = await MigrationStreamReader.openFile(path);
  const index = await PageIndex.fromStream(stream);
  return { index, deviceState: await stream.deviceState(), header: stream.header };
}

async function assertResumes(dir: string, name: string, snapshot: string, saved: GuestCounter, started: GuestVm[]): Promise<void> {
  const vm = await launchRestoredGuest({ workDir: dir, name, snapshot });
  started.push(vm);
  await vm.waitForSerial(/^COUNTER \d+ /);
  const [first] = await vm.counters();
  assert.ok(first!.counter > saved.counter && first!.counter <= saved.counter + 2, `counter ${first!.counter} after ${saved.counter}`);
  assert.ok(first!.uptime > saved.uptime, `uptime ${first!.uptime} after ${saved.uptime}: no reboot`);
  assert.ok(!(await vm.serialLines()).includes('GUEST-BOOTED'));
  await vm.stop();
}

describe('canonical streams from real QEMU snapshots', () => {
  let dir: string;
  let pair: SnapshotPair;
  let first: Indexed;
  let second: Indexed;
  const started: GuestVm[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'canonical-'));
    pair = await snapshotPair();
    first = await indexOf(pair.first.path);
    second = await indexOf(pair.second.path);
  });

  after(async () => {
    for (const vm of started) await vm.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('drops zero pages and puts every page once into one END section; QEMU resumes the guest from it', async () => {
    const out = join(dir, 'canonical.mem');
    const sink = await fileSink(out);
    const result = await canonicalizeStreamFile(pair.first.path, sink, { zeroPages: 'drop' });
    await sink.close();
    const counts = first.index.counts();
    assert.deepEqual([result.dataPages, result.zeroPages, result.droppedZeroPages], [counts.data, 0, counts.zero]);

    const reader = await MigrationStreamReader.openFile(out);
    const sections: string[] = [];
    const canonical = new PageIndex(reader.header.blocks);
    for await (const record of reader.records()) {
      if (record.kind === 'section') sections.push(record.type);
      else canonical.record(record);
    }
    assert.deepEqual(sections, ['end']);
    assert.deepEqual(canonical.counts(), { data: counts.data, zero: 0, absent: counts.zero });
    for (const entry of canonical.entries()) assert.ok(entry.digest.equals(first.index.get(entry.block, entry.offset)!.digest));
    assert.deepEqual(Buffer.from((await reader.deviceState()).bytes), Buffer.from(first.deviceState.bytes));

    await assertResumes(dir, 'canonical', out, pair.first, started);
  });

  it('diffs two snapshots page by page; snapshot 1 + the changed pages of snapshot 2 + its device state equals snapshot 2 and resumes', async () => {
    const changes = [...changedPages(first.index, second.index)];
    const total = second.index.blocks.reduce((sum, block) => sum + block.length / PAGE, 0);
    assert.ok(changes.length > 0 && changes.length < total / 4, `${changes.length} of ${total} pages changed in 3 s`);
    assert.ok(changes.every((change) => change.base && change.next), 'both snapshots hold every page');

    const changed = new Set(changes.map((change) => `${change.block}@${change.offset}`));
    const files = { first: await PageFile.open(pair.first.path), second: await PageFile.open(pair.second.path) };
    async function* composed(): AsyncGenerator<RamPage> {
      for (const entry of first.index.entries()) {
        const fromSecond = changed.has(`${entry.block}@${entry.offset}`);
        yield fromSecond ? files.second.read(second.index.get(entry.block, entry.offset)!) : files.first.read(entry);
      }
    }
    const out = join(dir, 'composed.mem');
    const sink = await fileSink(out);
    await writeCanonicalStream(sink, { header: second.header, pages: composed(), deviceState: second.deviceState });
    await sink.close();
    await files.first.close();
    await files.second.close();

    const result = await indexOf(out);
    assert.deepEqual([...changedPages(second.index, result.index)], []);
    assert.deepEqual(result.index.counts(), second.index.counts());
    await assertResumes(dir, 'composed', out, pair.second, started);
  });
});

describe('writeCanonicalStream', () => {
  const header = { version: 3 as const, machineType: 'pc', ramSection: { sectionId: 2, instanceId: 0, versionId: 4 }, blocks: BLOCKS };
  const deviceState = { offset: 0, bytes: deviceTail(), vmDescription: '{}' };
  const sink = () => writableSink(new PassThrough().resume());
  const zero = (block: string, offset: number): RamPage => ({ block, offset, zero: true });

  it('refuses a page given twice, even a dropped zero page', async () => {
    for (const zeroPages of ['keep', 'drop'] as const) {
      const pages = [zero('pc.ram', PAGE), zero('pc.bios', 0), zero('pc.ram', PAGE)];
      await assert.rejects(writeCanonicalStream(sink(), { header, pages, deviceState, zeroPages }), StreamWriterError);
    }
  });

  it('refuses a page outside the block list', async () => {
    await assert.rejects(writeCanonicalStream(sink(), { header, pages: [zero('pc.bios', 4 * PAGE)], deviceState, zeroPages: 'drop' }), StreamWriterError);
  });
});
