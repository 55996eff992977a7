import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SizeMismatchError, UnalignedSizeError } from '../../../../sdk/image/disk/errors.js';
import { rawChunkSpans } from '../../../../sdk/image/disk/raw-map.js';
import { checkAgainstQemu, collect, qemuIo, rawImage, run, scratch } from './images.js';

const MiB = 1 << 20;
const range = (first: number, count: number) => Array.from({ length: count }, (_, i) => first + i);
let s: Awaited<ReturnType<typeof scratch>>;
let base: string;

async function customCopy(name: string, ...commands: string[]): Promise<string> {
  const path = s.path(name);
  await run('cp', '--sparse=always', base, path);
  if (commands.length > 0) await qemuIo(path, 'raw', ...commands);
  return path;
}

describe('raw image compared with its raw base', () => {
  before(async () => {
    s = await scratch('raw-map-');
    base = await rawImage(s.path('base.raw'), MiB, 'write -P 0x11 0 512k');
  });
  after(() => s.remove());

  it('finds exactly the changed chunks at chunk boundaries and skips rewrites of the same bytes', async () => {
    const image = await customCopy('edges.raw',
      'write -P 0xab 0 4096',
      'write -P 0xab 8192 4095',
      'write -P 0xab 16384 4096',
      'write -P 0xab 24576 4097',
      'write -P 0xab 65535 2',
      'write -P 0x11 131072 4096', // same bytes as the base
      'write -P 0 327680 4096', // zeros written over base data: a change
      'write -P 0 720896 4096', // zeros written into the base's hole: no change
      'write -P 0xab 786432 4096', // data where the base has a hole
      'write -P 0xab 1044480 4096', // last chunk
    );
    const source = { format: 'raw', image, base } as const;
    const changes = await collect(source);
    assert.deepEqual([...changes.modified.keys()], [0, 2, 4, 6, 7, 15, 16, 80, 192, 255]);
    assert.deepEqual(changes.zeroed, []);
    assert.equal(await checkAgainstQemu(source, changes, s.path('edges.out')), undefined);
  });

  it('reports holes punched over base data as zeroed, without reading them', async () => {
    const image = await customCopy('holes.raw');
    await run('fallocate', '-p', '-o', '196608', '-l', '65536', image);
    await run('fallocate', '-p', '-o', '655360', '-l', '65536', image); // already a hole in both
    const source = { format: 'raw', image, base } as const;
    const changes = await collect(source);
    assert.deepEqual(changes.modified.size, 0);
    assert.deepEqual(changes.zeroed, range(48, 16));
    assert.equal(await checkAgainstQemu(source, changes, s.path('holes.out')), undefined);
  });

  it('offers only data runs of the image as candidates', async () => {
    const image = await customCopy('spans.raw', 'write -P 0xab 786432 8192');
    const spans = [];
    for await (const span of rawChunkSpans(image, base)) spans.push({ kind: span.kind, first: span.first, count: span.count });
    // The copy's first half is data (compared, equal to the base); the write is the only other data.
    assert.deepEqual(spans, [{ kind: 'candidate', first: 0, count: 128 }, { kind: 'candidate', first: 192, count: 2 }]);
  });

  it('refuses images of different sizes or not of whole chunks', async () => {
    const bigger = await rawImage(s.path('bigger.raw'), 2 * MiB);
    await assert.rejects(collect({ format: 'raw', image: bigger, base }), (e: unknown) =>
      e instanceof SizeMismatchError && e.imageSize === 2 * MiB && e.baseSize === MiB);
    const odd = await rawImage(s.path('odd.raw'), MiB - 512);
    const oddBase = await rawImage(s.path('odd-base.raw'), MiB - 512);
    await assert.rejects(collect({ format: 'raw', image: odd, base: oddBase }), (e: unknown) =>
      e instanceof UnalignedSizeError && e.chunkSize === 4096);
  });
});
