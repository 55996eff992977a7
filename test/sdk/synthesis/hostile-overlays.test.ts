import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { xzCompress } from '../../../native/lzma.js';
import { BlobCodecError, BlobOverrunError, BlobSizeLimitError } from '../../../sdk/overlay/compress/index.js';
import { baseVmId, createOverlay, encodeVmState, MissingVmStateError, readCustomizedMemory, VmStateFormatError } from '../../../sdk/overlay/create/index.js';
import { ItemLengthError, ItemRangeError, MissingReferenceError } from '../../../sdk/overlay/items/index.js';
import {
  BaseVmMismatchError,
  ChecksumError,
  ChunkRangeError,
  CompressionMethodError,
  DuplicateMemberError,
  MemberNameError,
  MetaVersionError,
} from '../../../sdk/overlay/package/index.js';
import { DomainXmlRequiredError, OverlaySizeError, synthesize } from '../../../sdk/synthesis/index.js';
import { encodeLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { qemuIo } from '../image/disk/images.js';
import { generatedVm, type GeneratedVm } from '../overlay/create/generated-vm.js';
import { assertDirHolds } from './compare.js';
import { craftPackage, craftRawPackage, itemStream, u64 } from './crafted-overlay.js';

type ErrorClass = abstract new (...args: never[]) => Error;

describe('synthesize refuses hostile overlays with a typed error and leaves nothing behind', () => {
  let vm: GeneratedVm;
  let baseId: string;
  let state: Buffer;
  let good: string;
  const sizes = { diskSize: 4 << 20, memorySize: 528 * 4096 };
  let serial = 0;

  before(async () => {
    vm = await generatedVm();
    baseId = await baseVmId(vm.base.disk);
    state = encodeVmState((await readCustomizedMemory(vm.customized.memory)).state);
    good = join(vm.dir, 'good.overlay');
    await createOverlay({ base: { ...vm.base, id: baseId }, customized: vm.customized, output: good, options: { codec: { codec: 'xz', level: 0 } } });
  });
  after(async () => vm.remove());

  /** Synthesizes `overlay` into a fresh directory, expects `type`, and checks the directory stayed empty. */
  async function refused(overlay: string, type: ErrorClass, check: (error: never) => void = () => undefined, base = vm.base, domainXml?: string): Promise<void> {
    const out = await mkdtemp(join(vm.dir, `out-${serial++}-`));
    await assert.rejects(synthesize({ base, overlay, outputDir: out, options: { domainXml } }), (error: unknown) => {
      assert.ok(error instanceof type, `${(error as Error).name}: ${(error as Error).message}`);
      check(error as never);
      return true;
    });
    await assertDirHolds(out, []);
  }

  const path = (name: string) => join(vm.dir, name);
  const stateBlob = () => ({ data: state, describe: { codec: 'none' as const, uncompressedSize: state.length } });
  const rawItems = (bytes: Buffer, disk: number[]) => ({ data: bytes, describe: { codec: 'none' as const, uncompressedSize: bytes.length, disk: disk.map((first) => ({ first, count: 1 })) } });

  it('a wrong base VM: BaseVmMismatchError naming both IDs', async () => {
    const other = path('other-base.raw');
    await copyFile(vm.base.disk, other);
    await qemuIo(other, 'raw', 'write -P 0x01 0 4k');
    await refused(good, BaseVmMismatchError, (error: BaseVmMismatchError) => assert.equal(error.actual, baseId), { ...vm.base, disk: other });
  });

  it('a bit-flipped blob: ChecksumError before any of it is used', async () => {
    const flipped = path('flipped.overlay');
    const bytes = await readFile(good);
    bytes[60]! ^= 0x10; // inside the first member's data (30-byte header + 14-byte name)
    await writeFile(flipped, bytes);
    await refused(flipped, ChecksumError);
  });

  it('a truncated blob (its checksum over the cut bytes): the decoder refuses it', async () => {
    const items = itemStream([{ kind: 2, encoding: 0, index: 3, payload: Buffer.alloc(4096, 7) }]);
    const xz = await xzCompress(items, { preset: 0 });
    await craftPackage(path('truncated.overlay'), { baseVmId: baseId, ...sizes, blobs: [stateBlob(), { data: xz.subarray(0, xz.length - 20), describe: { codec: 'xz', uncompressedSize: items.length, disk: [{ first: 3, count: 1 }] } }] });
    await refused(path('truncated.overlay'), BlobCodecError);
  });

  it('meta that lies about the disk size: OverlaySizeError', async () => {
    await craftPackage(path('disk-size.overlay'), { baseVmId: baseId, diskSize: 8 << 20, memorySize: sizes.memorySize, blobs: [stateBlob()] });
    await refused(path('disk-size.overlay'), OverlaySizeError, (error: OverlaySizeError) => assert.deepEqual([error.space, error.declared, error.actual], ['disk', 8 << 20, 4 << 20]));
  });

  it('meta that lies about the memory size: OverlaySizeError', async () => {
    await craftPackage(path('memory-size.overlay'), { baseVmId: baseId, diskSize: sizes.diskSize, memorySize: sizes.memorySize + 4096, blobs: [stateBlob()] });
    await refused(path('memory-size.overlay'), OverlaySizeError, (error: OverlaySizeError) => assert.equal(error.space, 'memory'));
  });

  it('meta that understates a blob\'s uncompressed size (a zip bomb): stops at the declared size with BlobOverrunError', async () => {
    // Every disk chunk as a raw item of zeros: 4 MiB of valid items from a few KiB of xz.
    const items = itemStream(Array.from({ length: 1024 }, (_, index) => ({ kind: 2 as const, encoding: 0, index, payload: Buffer.alloc(4096) })));
    const bomb = await xzCompress(items, { preset: 0 });
    assert.ok(bomb.length * 100 < items.length);
    await craftPackage(path('bomb.overlay'), { baseVmId: baseId, ...sizes, blobs: [stateBlob(), { data: bomb, describe: { codec: 'xz', uncompressedSize: 1 << 20, disk: [{ first: 0, count: 1024 }] } }] });
    const rss = process.memoryUsage().rss;
    await refused(path('bomb.overlay'), BlobOverrunError);
    assert.ok(process.memoryUsage().rss - rss < 48 << 20, 'the bomb was not expanded in memory');
  });

  it('a blob declaring a huge uncompressed size: BlobSizeLimitError before decompressing', async () => {
    const items = itemStream([]);
    await craftRawPackage(path('huge.overlay'), { baseVmId: baseId, ...sizes, blobs: [{ name: 'overlay-blob-1', data: state }, { name: 'overlay-blob-2', data: await xzCompress(items, { preset: 0 }), codec: 'xz', uncompressedSize: 2 ** 40, disk: [{ first: 0, count: 1 }] }] });
    await refused(path('huge.overlay'), BlobSizeLimitError);
  });

  it('chunks claimed beyond the image: ChunkRangeError', async () => {
    const items = itemStream([{ kind: 2, encoding: 1, index: 5000, payload: Buffer.alloc(0) }]);
    await craftRawPackage(path('beyond.overlay'), { baseVmId: baseId, ...sizes, blobs: [{ name: 'overlay-blob-1', data: state }, { name: 'overlay-blob-2', data: items, disk: [{ first: 5000, count: 1 }] }] });
    await refused(path('beyond.overlay'), ChunkRangeError);
  });

  it('a reference beyond the base image: ItemRangeError', async () => {
    const items = itemStream([{ kind: 2, encoding: 3, index: 3, payload: u64(4096) }]);
    await craftPackage(path('base-beyond.overlay'), { baseVmId: baseId, ...sizes, blobs: [stateBlob(), rawItems(items, [3])] });
    await refused(path('base-beyond.overlay'), ItemRangeError);
  });

  it('an item of the wrong length: ItemLengthError', async () => {
    const items = itemStream([{ kind: 2, encoding: 0, index: 3, payload: Buffer.alloc(100, 1) }]);
    await craftPackage(path('length.overlay'), { baseVmId: baseId, ...sizes, blobs: [stateBlob(), rawItems(items, [3])] });
    await refused(path('length.overlay'), ItemLengthError);
  });

  it('a reference to an item that is not there: MissingReferenceError', async () => {
    const items = itemStream([{ kind: 2, encoding: 4, index: 3, payload: u64(9, 2) }]);
    await craftPackage(path('missing.overlay'), { baseVmId: baseId, ...sizes, blobs: [stateBlob(), rawItems(items, [3])] });
    await refused(path('missing.overlay'), MissingReferenceError);
  });

  it('an unknown format version: MetaVersionError', async () => {
    await craftRawPackage(path('v3.overlay'), { baseVmId: baseId, ...sizes, version: 3, blobs: [{ name: 'overlay-blob-1', data: state }] });
    await refused(path('v3.overlay'), MetaVersionError);
  });

  it('zip members with paths, twice, or deflated: MemberNameError, DuplicateMemberError, CompressionMethodError', async () => {
    const spec = { baseVmId: baseId, ...sizes, blobs: [{ name: 'overlay-blob-1', data: state }] };
    await craftRawPackage(path('dotdot.overlay'), { ...spec, members: (m) => [{ name: '../evil', data: Buffer.from('x') }, ...m] });
    await refused(path('dotdot.overlay'), MemberNameError);
    await craftRawPackage(path('twice.overlay'), { ...spec, members: (m) => [m[0]!, ...m] });
    await refused(path('twice.overlay'), DuplicateMemberError);
    await craftRawPackage(path('deflate.overlay'), { ...spec, members: (m) => [{ ...m[0]!, method: 8 }, ...m.slice(1)] });
    await refused(path('deflate.overlay'), CompressionMethodError);
  });

  it('no VM state record first (a blob of items instead): MissingVmStateError', async () => {
    const items = itemStream([{ kind: 2, encoding: 1, index: 3, payload: Buffer.alloc(0) }]);
    await craftPackage(path('no-state.overlay'), { baseVmId: baseId, ...sizes, blobs: [rawItems(items, [3])] });
    await refused(path('no-state.overlay'), MissingVmStateError);
  });

  it('a VM state record with unknown flags: VmStateFormatError', async () => {
    const tampered = Buffer.from(state);
    tampered.writeUInt16BE(0x80, 10);
    await craftPackage(path('state-flags.overlay'), { baseVmId: baseId, ...sizes, blobs: [{ data: tampered, describe: { codec: 'none', uncompressedSize: tampered.length } }] });
    await refused(path('state-flags.overlay'), VmStateFormatError, (error: VmStateFormatError) => assert.equal(error.field, 'flags'));
  });

  it('an overlay of a libvirt save image whose XML adds a disk and QEMU arguments: refused unless the caller gives the XML', async () => {
    const saved = path('hostile.save');
    const xml = "<domain><devices><disk type='file'><source file='/etc/shadow'/></disk></devices><qemu:commandline/></domain>";
    await writeFile(saved, Buffer.concat([encodeLibvirtSaveHeader({ complete: true, wasRunning: true, compressed: 0, xml, cookie: null }), await readFile(vm.customized.memory)]));
    await createOverlay({ base: { ...vm.base, id: baseId }, customized: { ...vm.customized, memory: saved }, output: path('xml.overlay'), options: { codec: { codec: 'xz', level: 0 } } });
    await refused(path('xml.overlay'), DomainXmlRequiredError);
  });
});
