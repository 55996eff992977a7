import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createOverlay, DiskSizeMismatchError, prepareBaseMemory } from '../../../../sdk/overlay/create/index.js';
import { openOverlayPackage } from '../../../../sdk/overlay/package/index.js';
import { readHashListHeader } from '../../../../sdk/image/disk/index.js';
import { BlockLayoutMismatchError, DeviceStateError, fileSink, parseDeviceState, writeCanonicalStream } from '../../../../sdk/image/memory/index.js';
import { qcow2Overlay } from '../../image/disk/images.js';
import { deviceTail } from '../../image/memory/hand-made-stream.js';
import { generatedVm, HEADER, writeMemory, type GeneratedVm } from './generated-vm.js';

const FAST = { codec: { codec: 'xz' as const, level: 0 } };

describe('createOverlay', () => {
  let vm: GeneratedVm;
  before(async () => {
    vm = await generatedVm();
  });
  after(async () => vm.remove());

  it('writes a package whose meta names the base by the SHA-256 of its disk and whose first blob is the VM state', async () => {
    const output = join(vm.dir, 'ok.overlay');
    const created = await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    const pkg = await openOverlayPackage(output, { expectedBaseVmId: created.meta.baseVmId });
    await pkg.close();
    assert.equal(created.meta.baseVmId, (await execa('sha256sum', [vm.base.disk])).stdout.split(' ')[0]);
    assert.deepEqual([created.meta.blobs[0]!.disk, created.meta.blobs[0]!.memory], [[], []]);
    assert.equal(created.meta.memorySize, 528 * 4096);
    assert.deepEqual((await readdir(vm.dir)).filter((name) => name.includes('.partial') || name.startsWith('.overlay-')), []);
  });

  it('caches the base memory as a flat page file and hash list next to the snapshot, and reuses it', async () => {
    const first = await prepareBaseMemory(vm.base.memory, vm.dir);
    const { mtimeMs } = await stat(first.pages);
    const again = await prepareBaseMemory(vm.base.memory, vm.dir);
    assert.equal((await stat(again.pages)).mtimeMs, mtimeMs);
    assert.equal((await stat(first.pages)).size, 528 * 4096);
    assert.equal((await readHashListHeader(first.hashes)).chunkCount, 528);
    assert.deepEqual(again.layout.addressOf(512), { block: 'pc.bios', offset: 0 });
  });

  it('rebuilds the cache when the snapshot was rewritten, even with its size and mtime set back', async () => {
    const dir = join(vm.dir, 'rewritten');
    await mkdir(dir);
    const snapshot = join(dir, 'base.mem');
    await writeMemory(snapshot, 1);
    const first = await prepareBaseMemory(snapshot, dir);
    const before = await stat(snapshot);
    const pages = await readFile(first.pages);
    // Same size, other content, mtime restored (as cp -p or touch -d would): only ctime tells.
    await writeMemory(snapshot, 2);
    await utimes(snapshot, before.atime, before.mtime);
    assert.equal((await stat(snapshot)).size, before.size);
    const again = await prepareBaseMemory(snapshot, dir);
    assert.ok(!(await readFile(again.pages)).equals(pages), 'the flat pages follow the new snapshot');
  });

  it('refuses a customized disk of another size, leaving no package behind', async () => {
    const bigger = join(vm.dir, 'bigger.qcow2');
    await qcow2Overlay(bigger, vm.base.disk, ['-o', 'size=8M']);
    const output = join(vm.dir, 'size.overlay');
    await assert.rejects(createOverlay({ base: vm.base, customized: { ...vm.customized, disk: bigger }, output, options: FAST }), (error: unknown) => {
      assert.ok(error instanceof DiskSizeMismatchError);
      assert.deepEqual([error.baseBytes, error.customizedBytes], [4 << 20, 8 << 20]);
      return true;
    });
    await assertNothingFor(output);
  });

  it('refuses memory snapshots of differently configured VMs', async () => {
    const other = join(vm.dir, 'other.mem');
    const sink = await fileSink(other);
    await writeCanonicalStream(sink, { header: { ...HEADER, blocks: [{ id: 'pc.ram', length: 1 << 20 }] }, pages: [], deviceState: parseDeviceState(deviceTail(), 0) });
    await sink.close();
    const output = join(vm.dir, 'layout.overlay');
    await assert.rejects(createOverlay({ base: vm.base, customized: { ...vm.customized, memory: other }, output, options: FAST }), BlockLayoutMismatchError);
    await assertNothingFor(output);
  });

  it('leaves nothing behind when the customized memory is cut short mid-stream', async () => {
    const cut = join(vm.dir, 'cut.mem');
    const bytes = await readFile(vm.customized.memory);
    await writeFile(cut, bytes.subarray(0, bytes.length - 100));
    const output = join(vm.dir, 'cut.overlay');
    await assert.rejects(createOverlay({ base: vm.base, customized: { ...vm.customized, memory: cut }, output, options: FAST }), DeviceStateError);
    await assertNothingFor(output);
  });

  it('removes the partial package when it fails after blobs were written (a listener that throws)', async () => {
    const output = join(vm.dir, 'aborted.overlay');
    const failure = new Error('listener gave up');
    const onProgress = (event: { kind: string }) => {
      if (event.kind === 'blob') throw failure;
    };
    await assert.rejects(createOverlay({ base: vm.base, customized: vm.customized, output, options: { ...FAST, onProgress } }), (error) => error === failure);
    await assertNothingFor(output);
  });

  async function assertNothingFor(output: string): Promise<void> {
    const left = (await readdir(vm.dir)).filter((name) => name.startsWith(output.split('/').at(-1)!) || name.startsWith('.overlay-'));
    assert.deepEqual(left, []);
  }
});
