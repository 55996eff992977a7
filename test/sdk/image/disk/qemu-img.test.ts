import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MapFormatError, QemuImgError } from '../../../../sdk/image/disk/errors.js';
import { imageInfo, mapExtents, type MapExtent } from '../../../../sdk/image/disk/qemu-img.js';
import { qcow2Overlay, rawImage, scratch } from './images.js';

const MiB = 1 << 20;
let s: Awaited<ReturnType<typeof scratch>>;
let base: string;

async function extents(path: string, format: 'raw' | 'qcow2', size: number): Promise<MapExtent[]> {
  const out: MapExtent[] = [];
  for await (const e of mapExtents(path, format, size)) out.push(e);
  return out;
}

describe('qemu-img', () => {
  before(async () => {
    s = await scratch('qemu-img-');
    base = await rawImage(s.path('base.raw'), MiB, 'write -P 0x11 64k 64k');
  });
  after(() => s.remove());

  it('reads the facts of a qcow2 overlay', async () => {
    const overlay = await qcow2Overlay(s.path('o.qcow2'), base);
    assert.deepEqual(await imageInfo(overlay, 'qcow2'), {
      format: 'qcow2', virtualSize: MiB, encrypted: false, backingFile: base, backingFormat: 'raw', dataFile: undefined,
    });
  });

  it('maps the data and holes of a sparse raw file', async () => {
    assert.deepEqual(await extents(base, 'raw', MiB), [
      { start: 0, length: 65536, depth: 0, zero: true, data: false, offset: 0 },
      { start: 65536, length: 65536, depth: 0, zero: false, data: true, offset: 65536 },
      { start: 131072, length: MiB - 131072, depth: 0, zero: true, data: false, offset: 131072 },
    ]);
  });

  it('maps overlay clusters at depth 0 and the rest at depth 1', async () => {
    const overlay = await qcow2Overlay(s.path('m.qcow2'), base, [], 'write -P 0xab 0 4096', 'write -c -P 0xab 196608 65536');
    const map = await extents(overlay, 'qcow2', MiB);
    assert.deepEqual(map.map((e) => [e.start, e.depth, e.data, e.offset !== undefined]), [
      [0, 0, true, true], [65536, 1, true, true], [131072, 1, false, true], [196608, 0, true, false], [262144, 1, false, true],
    ]);
  });

  it('refuses a map that does not cover exactly the expected size', async () => {
    await assert.rejects(extents(base, 'raw', MiB - 4096), (e: unknown) => e instanceof MapFormatError && /past the image size/.test(e.problem));
    await assert.rejects(extents(base, 'raw', MiB + 4096), (e: unknown) => e instanceof MapFormatError && /not at the image size/.test(e.problem));
  });

  it('lets a consumer stop early', async () => {
    for await (const e of mapExtents(base, 'raw', MiB)) {
      assert.equal(e.start, 0);
      break;
    }
  });

  it('reports a failing qemu-img with its arguments, exit code and stderr', async () => {
    const missing = s.path('missing.raw');
    await assert.rejects(imageInfo(missing, 'raw'), (e: unknown) =>
      e instanceof QemuImgError && e.args.includes(missing) && e.exitCode === 1 && /Could not open/.test(e.stderr));
    await assert.rejects(extents(missing, 'raw', MiB), QemuImgError);
  });
});
