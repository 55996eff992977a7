import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { createOverlay } from '../../../sdk/overlay/index.js';
import type { Progress } from '../../../sdk/progress/index.js';
import { OutputExistsError, OutputSpaceError, synthesize } from '../../../sdk/synthesis/index.js';
import { encodeLibvirtSaveHeader, readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { imageInfo } from '../../../sdk/image/disk/index.js';
import { generatedVm, type GeneratedVm } from '../overlay/create/generated-vm.js';
import { assertDirHolds, assertSameDisk, assertSamePages } from './compare.js';

const FAST = { codec: { codec: 'xz' as const, level: 0 } };

describe('synthesize on a generated VM', () => {
  let vm: GeneratedVm;
  before(async () => {
    vm = await generatedVm();
  });
  after(async () => vm.remove());

  it('rebuilds the customized disk and memory bit for bit from the base and the overlay', async () => {
    const events: Progress[] = [];
    const output = join(vm.dir, 'a.overlay');
    const created = await createOverlay({ base: vm.base, customized: vm.customized, output, options: { ...FAST, onProgress: (e) => events.push(e) } });
    assert.equal(created.size, (await stat(output)).size);
    assert.ok(events.some((e) => e.kind === 'blob'));
    assert.deepEqual(events.filter((e) => e.kind === 'phase-start').map((e) => e.kind === 'phase-start' && e.phase).at(-1), 'finish');
    assert.ok(created.stats.memory.zero > 0 && created.stats.memory['base-memory'] > 0, JSON.stringify(created.stats.memory));
    assert.ok(created.meta.diskZeroed.length > 0, 'the write -z run is a zeroed run');

    const out = join(vm.dir, 'out-a');
    await mkdir(out);
    const synthEvents: Progress[] = [];
    const result = await synthesize({ base: vm.base, overlay: output, outputDir: out, options: { onProgress: (e) => synthEvents.push(e) } });
    assert.deepEqual(result, { disk: join(out, 'disk.qcow2'), diskFormat: 'qcow2', memory: join(out, 'memory.mem'), meta: created.meta });
    await assertDirHolds(out, ['disk.qcow2', 'memory.mem']);
    const info = await imageInfo(result.disk, 'qcow2');
    assert.equal(info.backingFile, vm.base.disk, 'the disk is a layer over the base');
    assert.equal(info.backingFormat, 'raw');
    await assertSamePages(result.memory, vm.customized.memory);
    assert.ok(synthEvents.some((e) => e.kind === 'blob'));
  });

  it("writes only the overlay's data into the layer, and with output 'raw' a standalone image equal to it", async () => {
    const output = join(vm.dir, 'layer.overlay');
    const created = await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    const [layerOut, rawOut] = [join(vm.dir, 'out-layer'), join(vm.dir, 'out-raw-output')];
    await Promise.all([mkdir(layerOut), mkdir(rawOut)]);
    const layer = await synthesize({ base: vm.base, overlay: output, outputDir: layerOut });
    const raw = await synthesize({ base: vm.base, overlay: output, outputDir: rawOut, options: { output: 'raw' } });
    assert.deepEqual([raw.disk, raw.diskFormat], [join(rawOut, 'disk.raw'), 'raw']);
    await assertSameDisk(raw.disk, vm.customized.disk, 'qcow2', vm.dir);
    await assertSameDisk(layer.disk, raw.disk, 'raw', vm.dir);
    // Data clusters: exactly the chunks the overlay's blobs carry; zeroed runs are zero clusters, the base is not copied.
    const claimed = created.meta.blobs.flatMap((blob) => blob.disk).reduce((sum, run) => sum + run.count, 0);
    const map = JSON.parse((await execa('qemu-img', ['map', '--output=json', '-f', 'qcow2', layer.disk])).stdout) as Array<{ length: number; depth: number; zero: boolean; data: boolean }>;
    const own = map.filter((extent) => extent.depth === 0);
    assert.equal(own.filter((extent) => extent.data).reduce((sum, extent) => sum + extent.length, 0), claimed * 4096);
    const zeroed = created.meta.diskZeroed.reduce((sum, run) => sum + run.count, 0);
    assert.equal(own.filter((extent) => extent.zero && !extent.data).reduce((sum, extent) => sum + extent.length, 0), zeroed * 4096);
  });

  it('round-trips with zstd blobs, the codec for fast links', async () => {
    const output = join(vm.dir, 'zstd.overlay');
    const created = await createOverlay({ base: vm.base, customized: vm.customized, output, options: { codec: { codec: 'zstd', level: 3 } } });
    assert.ok(created.meta.blobs.slice(1).every((blob) => blob.codec === 'zstd'));
    const out = join(vm.dir, 'out-zstd');
    await mkdir(out);
    const result = await synthesize({ base: vm.base, overlay: output, outputDir: out });
    await assertSameDisk(result.disk, vm.customized.disk, 'qcow2', vm.dir);
    await assertSamePages(result.memory, vm.customized.memory);
  });

  it('rebuilds a customized disk given as a full raw copy (changes found by comparing chunks)', async () => {
    const raw = join(vm.dir, 'custom.raw');
    await execa('qemu-img', ['convert', '-f', 'qcow2', '-O', 'raw', vm.customized.disk, raw]);
    const output = join(vm.dir, 'raw.overlay');
    await createOverlay({ base: vm.base, customized: { ...vm.customized, disk: raw, diskFormat: 'raw' }, output, options: FAST });
    const out = join(vm.dir, 'out-raw');
    await mkdir(out);
    const result = await synthesize({ base: vm.base, overlay: output, outputDir: out });
    await assertSameDisk(result.disk, raw, 'raw', vm.dir);
    await assertSamePages(result.memory, vm.customized.memory);
  });

  it('stops when aborted, throws the reason, and leaves the output directory as it was', async () => {
    const output = join(vm.dir, 'abort.overlay');
    await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    for (const when of ['apply', 'blob', 'write-memory'] as const) {
      const out = join(vm.dir, `out-abort-${when}`);
      await mkdir(out);
      const controller = new AbortController();
      const reason = new Error(`Ctrl-C at ${when}`);
      const onProgress = (event: Progress) => {
        if (event.kind === when || (event.kind === 'phase-start' && event.phase === when)) controller.abort(reason);
      };
      await assert.rejects(synthesize({ base: vm.base, overlay: output, outputDir: out, options: { onProgress, signal: controller.signal } }), (error: unknown) => error === reason);
      await assertDirHolds(out, []);
    }
    const already = AbortSignal.abort(new Error('before the start'));
    const out = join(vm.dir, 'out-abort-before');
    await mkdir(out);
    await assert.rejects(synthesize({ base: vm.base, overlay: output, outputDir: out, options: { signal: already } }), /before the start/);
    await assertDirHolds(out, []);
  });

  it('after a kill -9 mid-synthesis, the next run into the same directory sweeps the debris and succeeds', async () => {
    const output = join(vm.dir, 'killed.overlay');
    await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    const out = join(vm.dir, 'out-killed');
    await mkdir(out);
    const synthesisModule = new URL(import.meta.url.endsWith('.ts') ? '../../../sdk/synthesis/index.ts' : '../../../sdk/synthesis/index.js', import.meta.url).href;
    // The child stops (blocking its thread) once synthesis is applying items, with its scratch files written.
    const script = `const { synthesize } = await import(${JSON.stringify(synthesisModule)});
      await synthesize({ base: ${JSON.stringify(vm.base)}, overlay: ${JSON.stringify(output)}, outputDir: ${JSON.stringify(out)}, options: { onProgress: (e) => {
        if (e.kind === 'blob') { process.stdout.write('applying\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000); }
      } } });`;
    const child = execa(process.execPath, [...(import.meta.url.endsWith('.ts') ? ['--import', 'tsx'] : []), '--input-type=module', '-e', script], { reject: false, buffer: false });
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('applying') && resolve());
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.on('exit', () => reject(new Error(`the child ended before it was killed: ${stderr}`)));
    });
    child.kill('SIGKILL');
    await child;
    const debris = await readdir(out);
    assert.equal(debris.length, 1, 'the killed run left its scratch directory');
    assert.match(debris[0]!, new RegExp(`^\\.synthesis-${child.pid}-`));

    const result = await synthesize({ base: vm.base, overlay: output, outputDir: out });
    await assertDirHolds(out, ['disk.qcow2', 'memory.mem']);
    await assertSamePages(result.memory, vm.customized.memory);
  });

  it('says the output file system is full, and leaves nothing there', async () => {
    const output = join(vm.dir, 'full.overlay');
    await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    const full = join(vm.dir, 'full');
    await mkdir(full);
    // The disk alone holds ~2.5 MiB of data here.
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'cloudlet-full', full]);
    try {
      await assert.rejects(synthesize({ base: vm.base, overlay: output, outputDir: full }), (error: unknown) => {
        assert.ok(error instanceof OutputSpaceError, String(error));
        assert.equal(error.outputDir, full);
        assert.match(error.message, /no space left in .*full for the synthesized VM/);
        return true;
      });
      await assertDirHolds(full, []);
    } finally {
      await execa('umount', [full]);
    }
  });

  it('refuses to overwrite an existing output, and leaves what was there untouched', async () => {
    const output = join(vm.dir, 'c.overlay');
    await createOverlay({ base: vm.base, customized: vm.customized, output, options: FAST });
    const out = join(vm.dir, 'out-c');
    await mkdir(out);
    await writeFile(join(out, 'memory.mem'), 'mine');
    await assert.rejects(synthesize({ base: vm.base, overlay: output, outputDir: out }), (error: unknown) => error instanceof OutputExistsError && error.path === join(out, 'memory.mem'));
    await assertDirHolds(out, ['memory.mem']);
    assert.equal(await readFile(join(out, 'memory.mem'), 'utf8'), 'mine');
  });

  it('rebuilds a libvirt save image with the caller\'s domain XML, never the one the overlay carries', async () => {
    const hostileXml = "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><name>x</name>"
      + "<devices><disk type='file'><source file='/etc/shadow'/><target dev='vdb'/></disk></devices>"
      + "<qemu:commandline><qemu:arg value='-device'/></qemu:commandline></domain>";
    const saved = join(vm.dir, 'custom.save');
    const header = encodeLibvirtSaveHeader({ complete: true, wasRunning: true, compressed: 0, xml: hostileXml, cookie: null });
    await writeFile(saved, Buffer.concat([header, await readFile(vm.customized.memory)]));
    const output = join(vm.dir, 'b.overlay');
    await createOverlay({ base: vm.base, customized: { ...vm.customized, memory: saved }, output, options: FAST });

    const trusted = "<domain type='kvm'><name>synthesized</name></domain>";
    const out = join(vm.dir, 'out-b');
    await mkdir(out);
    const result = await synthesize({ base: vm.base, overlay: output, outputDir: out, options: { domainXml: trusted } });
    assert.equal(result.memory, join(out, 'memory.save'));
    const rebuilt = await readLibvirtSaveHeader(result.memory);
    assert.equal(rebuilt.xml, trusted);
    assert.equal(rebuilt.cookie, null);
    assert.equal(rebuilt.wasRunning, true);
    assert.ok(!(await readFile(result.memory)).includes('qemu:commandline'), 'nothing of the embedded XML reaches the image');
    await assertSamePages(result.memory, saved);
    await assertSameDisk(result.disk, vm.customized.disk, 'qcow2', vm.dir);
  });
});
