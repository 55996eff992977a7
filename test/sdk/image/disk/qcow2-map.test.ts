import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { qcow2ChunkSpans } from '../../../../sdk/image/disk/qcow2-map.js';
import {
  BackingMismatchError,
  QemuImgError,
  SizeMismatchError,
  UnalignedSizeError,
  UnsupportedImageError,
} from '../../../../sdk/image/disk/errors.js';
import { checkAgainstQemu, collect, isAscending, qcow2Overlay, rawImage, run, scratch } from './images.js';

const MiB = 1 << 20;
const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
let s: Awaited<ReturnType<typeof scratch>>;
let base: string;

describe('qcow2 overlay chunk map', () => {
  before(async () => {
    s = await scratch('qcow2-map-');
    // Base: 0x11 in the first half, a hole (zeros) in the second.
    base = await rawImage(s.path('base.raw'), MiB, 'write -P 0x11 0 512k');
  });
  after(() => s.remove());

  it('finds exactly the changed 4 KiB chunks at chunk and cluster boundaries', async () => {
    const image = await qcow2Overlay(s.path('edges.qcow2'), base, [],
      'write -P 0xab 0 4096', // first chunk
      'write -P 0xab 8192 4095', // one byte short of a chunk
      'write -P 0xab 16384 4096', // exactly a chunk
      'write -P 0xab 24576 4097', // one byte into the next chunk
      'write -P 0xab 65535 2', // across the first cluster edge
      'write -P 0x11 131072 4096', // the base's own bytes: allocates a cluster, changes nothing
      'write -P 0 655360 4096', // zeros over the base's hole: changes nothing
      'write -P 0xab 1044480 4096', // last chunk
    );
    const source = { format: 'qcow2', image, base } as const;
    const changes = await collect(source);
    assert.deepEqual([...changes.modified.keys()], [0, 2, 4, 6, 7, 15, 16, 255]);
    assert.deepEqual(changes.zeroed, []);
    assert.equal(await checkAgainstQemu(source, changes, s.path('edges.out')), undefined);
  });

  it('reports zero clusters and full-cluster discards as zeroed, and keeps sub-cluster discards as data', async () => {
    const image = await qcow2Overlay(s.path('zero.qcow2'), base, [],
      'write -z 196608 65536', // a whole cluster of zeros over base data
      'write -z 327680 4096', // zeros in part of a cluster: the cluster is allocated, the chunk holds zeros
      'write -P 0xcc 720896 131072',
      'discard 720896 65536', // a whole cluster discarded (TRIM)
      'discard 786432 4096', // less than a cluster: qcow2 keeps the data
    );
    const source = { format: 'qcow2', image, base } as const;
    const changes = await collect(source);
    assert.deepEqual([...changes.modified.keys()], [80, ...range(192, 16)]);
    assert.ok(changes.modified.get(80)!.every((b) => b === 0));
    assert.deepEqual(changes.zeroed, [...range(48, 16), ...range(176, 16)]);
    assert.ok(isAscending(changes.order), 'changes come in chunk order');
    assert.equal(await checkAgainstQemu(source, changes, s.path('zero.out')), undefined);
  });

  it('assembles chunks that sub-clusters split between overlay, zeros and base', async () => {
    const image = await qcow2Overlay(s.path('sub.qcow2'), base, ['-o', 'extended_l2=on'],
      'write -P 0xab 2048 2048', // second half of chunk 0
      'write -z 10240 2048', // second half of chunk 2 zeroed, first half still base
      'write -z 4096 4096', // both halves of chunk 1 zeroed
      'discard 65536 65536',
    );
    const source = { format: 'qcow2', image, base } as const;
    const changes = await collect(source);
    assert.deepEqual([...changes.modified.keys()], [0, 2]);
    assert.deepEqual(changes.zeroed, [1, ...range(16, 16)]);
    assert.equal(await checkAgainstQemu(source, changes, s.path('sub.out')), undefined);
  });

  it('merges neighbouring zeroed runs into one span and skips unchanged chunks', async () => {
    const image = await qcow2Overlay(s.path('spans.qcow2'), base, [], 'write -z 0 65536', 'write -z -u 65536 65536');
    const spans = [];
    for await (const span of qcow2ChunkSpans(image, base)) spans.push(span);
    assert.deepEqual(spans, [{ kind: 'zeroed', first: 0, count: 32 }]);
  });

  it('refuses an overlay on another base', async () => {
    const other = await rawImage(s.path('other.raw'), MiB);
    const image = await qcow2Overlay(s.path('on-other.qcow2'), other);
    await assert.rejects(collect({ format: 'qcow2', image, base }), (e: unknown) =>
      e instanceof BackingMismatchError && e.expected.endsWith('base.raw') && e.actual.endsWith('other.raw'));
  });

  it('refuses compressed clusters, which have no host offset to read from', async () => {
    const image = await qcow2Overlay(s.path('compressed.qcow2'), base, [], 'write -c -P 0xab 65536 65536');
    await assert.rejects(collect({ format: 'qcow2', image, base }), (e: unknown) =>
      e instanceof UnsupportedImageError && e.reason === 'compressed-cluster' && e.offset === 65536);
  });

  it('refuses an image without a raw backing file', async () => {
    const alone = s.path('alone.qcow2');
    await run('qemu-img', 'create', '-q', '-f', 'qcow2', alone, '1M');
    await assert.rejects(collect({ format: 'qcow2', image: alone, base }), (e: unknown) =>
      e instanceof UnsupportedImageError && e.reason === 'no-backing');
    const stacked = s.path('stacked.qcow2');
    await run('qemu-img', 'create', '-q', '-f', 'qcow2', '-b', alone, '-F', 'qcow2', stacked);
    await assert.rejects(collect({ format: 'qcow2', image: stacked, base }), (e: unknown) =>
      e instanceof UnsupportedImageError && e.reason === 'backing-not-raw');
  });

  it('refuses a resized overlay and a base that is not whole chunks', async () => {
    const bigger = s.path('bigger.qcow2');
    await run('qemu-img', 'create', '-q', '-f', 'qcow2', '-b', base, '-F', 'raw', bigger, '2M');
    await assert.rejects(collect({ format: 'qcow2', image: bigger, base }), (e: unknown) =>
      e instanceof SizeMismatchError && e.imageSize === 2 * MiB && e.baseSize === MiB);
    const odd = await rawImage(s.path('odd.raw'), MiB + 512);
    const image = await qcow2Overlay(s.path('odd.qcow2'), odd);
    await assert.rejects(collect({ format: 'qcow2', image, base: odd }), (e: unknown) =>
      e instanceof UnalignedSizeError && e.size === MiB + 512);
  });

  it('turns a qemu-img failure into a QemuImgError with its stderr', async () => {
    await assert.rejects(collect({ format: 'qcow2', image: base, base }), (e: unknown) =>
      e instanceof QemuImgError && e.exitCode === 1 && /not in qcow2 format/.test(e.stderr));
  });
});
