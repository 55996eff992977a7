import assert from 'node:assert/strict';
import { open, readFile, stat } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CHUNK_SIZE } from '../../../../sdk/image/disk/chunk.js';
import { Qcow2LayerSpecError } from '../../../../sdk/image/disk/errors.js';
import { imageInfo } from '../../../../sdk/image/disk/qemu-img.js';
import { Qcow2LayerWriter } from '../../../../sdk/image/disk/qcow2-layer-writer.js';
import { rawImage, run, scratch } from './images.js';

const MiB = 1 << 20;
const SIZE = 64 * MiB + 12 * CHUNK_SIZE;
let s: Awaited<ReturnType<typeof scratch>>;
let base: string;
let baseBytes: Buffer;

/** A chunk of `byte`s, its first 8 bytes its index (so misplaced chunks show). */
function chunk(index: number, byte: number): Buffer {
  const data = Buffer.alloc(CHUNK_SIZE, byte);
  data.writeBigUInt64BE(BigInt(index), 0);
  return data;
}

/** What the test writes: chunks out of order (runs, singles, one self-overwrite of a later region), zeroed runs over base data, whole and partial clusters. */
const writes = [5, 6, 7, 300, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 1000, 2, SIZE / CHUNK_SIZE - 1, 8191, 8192, 12000];
const zeroed = [{ first: 40, count: 3 }, { first: 512, count: 64 }, { first: 4000, count: 17 }, { first: SIZE / CHUNK_SIZE - 5, count: 3 }];

/** The raw image the layer must read as: the base, the writes, the zeroed chunks. */
function expected(): Buffer {
  const image = Buffer.from(baseBytes);
  for (const index of writes) chunk(index, 0xab).copy(image, index * CHUNK_SIZE);
  for (const { first, count } of zeroed) image.fill(0, first * CHUNK_SIZE, (first + count) * CHUNK_SIZE);
  return image;
}

async function writeLayer(path: string, clusterSize: number): Promise<{ dataBytes: number }> {
  const layer = await Qcow2LayerWriter.create(path, {
    size: SIZE,
    backing: base,
    clusterSize,
    readBacking: (first, count, into) => {
      baseBytes.copy(into, 0, first * CHUNK_SIZE, (first + count) * CHUNK_SIZE);
      return into.subarray(0, count * CHUNK_SIZE);
    },
  });
  try {
    for (const index of writes) await layer.write(index, chunk(index, 0xab));
    // Reads see earlier writes, the backing file elsewhere (self references of overlay items).
    assert.ok((await layer.read(300)).equals(chunk(300, 0xab)));
    assert.ok((await layer.read(301)).equals(baseBytes.subarray(301 * CHUNK_SIZE, 302 * CHUNK_SIZE)));
    layer.zero(zeroed);
    assert.ok((await layer.read(41)).equals(Buffer.alloc(CHUNK_SIZE)));
    return await layer.finish();
  } finally {
    await layer.close();
  }
}

describe('qcow2 layer writer', () => {
  before(async () => {
    s = await scratch('qcow2-layer-');
    base = await rawImage(s.path('base.raw'), SIZE, 'write -P 0x11 0 1M', 'write -P 0x22 2M 4M', 'write -P 0x33 60M 4M');
    baseBytes = await readFile(base);
  });
  after(() => s.remove());

  for (const clusterSize of [4096, 65536]) {
    it(`writes a layer qemu-img checks clean and reads as base + writes − zeroed (${clusterSize / 1024} KiB clusters)`, async () => {
      const layer = s.path(`layer-${clusterSize}.qcow2`);
      const { dataBytes } = await writeLayer(layer, clusterSize);
      await run('qemu-img', 'check', '-f', 'qcow2', layer);
      const info = await imageInfo(layer, 'qcow2');
      assert.equal(info.backingFile, base);
      assert.equal(info.backingFormat, 'raw');
      const flat = s.path(`flat-${clusterSize}.raw`);
      await run('qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw', layer, flat);
      assert.ok((await readFile(flat)).equals(expected()), 'the layer reads as base + writes − zeroed');
      await run('truncate', '-s', String(SIZE), s.path(`want-${clusterSize}.raw`));
      const want = await open(s.path(`want-${clusterSize}.raw`), 'r+');
      await want.write(expected(), 0, SIZE, 0);
      await want.close();
      await run('qemu-img', 'compare', '-f', 'qcow2', '-F', 'raw', layer, s.path(`want-${clusterSize}.raw`));
      // Only what was written (and, for big clusters, the rest of each touched cluster) is data in the layer.
      const touched = new Set([...writes, ...zeroed.flatMap(({ first, count }) => Array.from({ length: count }, (_, i) => first + i))].map((i) => Math.floor((i * CHUNK_SIZE) / clusterSize)));
      if (clusterSize === CHUNK_SIZE) assert.equal(dataBytes, writes.length * CHUNK_SIZE);
      else assert.ok(dataBytes <= touched.size * clusterSize, `${dataBytes} data bytes for ${touched.size} touched clusters`);
      assert.ok((await stat(layer)).size < 2 * MiB);
    });
  }

  it('zeroed whole clusters hold no data and read as zero', async () => {
    const layer = s.path('zero-only.qcow2');
    const writer = await Qcow2LayerWriter.create(layer, { size: SIZE, backing: base, readBacking: () => assert.fail('no backing read for whole zero clusters') });
    writer.zero([{ first: 0, count: 256 }]);
    const { dataBytes } = await writer.finish();
    await writer.close();
    assert.equal(dataBytes, 0);
    await run('qemu-img', 'check', '-f', 'qcow2', layer);
    const map = JSON.parse(await run('qemu-img', 'map', '--output=json', '-f', 'qcow2', layer)) as Array<{ start: number; length: number; depth: number; zero: boolean; data: boolean }>;
    const first = map[0]!;
    assert.deepEqual({ start: first.start, length: first.length, depth: first.depth, zero: first.zero, data: first.data }, { start: 0, length: MiB, depth: 0, zero: true, data: false });
    const head = Buffer.alloc(MiB, 1);
    await run('qemu-img', 'dd', '-f', 'qcow2', '-O', 'raw', `if=${layer}`, `of=${s.path('head.raw')}`, 'bs=1M', 'count=1');
    const read = await open(s.path('head.raw'), 'r');
    await read.read(head, 0, MiB, 0);
    await read.close();
    assert.ok(head.equals(Buffer.alloc(MiB)), 'zero clusters read as zero over non-zero base data');
  });

  it('refuses settings it cannot honour', async () => {
    const readBacking = (_first: number, _count: number, into: Buffer) => into;
    await assert.rejects(Qcow2LayerWriter.create(s.path('bad-1.qcow2'), { size: SIZE, backing: base, readBacking, clusterSize: 3000 }), Qcow2LayerSpecError);
    await assert.rejects(Qcow2LayerWriter.create(s.path('bad-2.qcow2'), { size: SIZE, backing: 'relative.raw', readBacking }), Qcow2LayerSpecError);
  });
});
