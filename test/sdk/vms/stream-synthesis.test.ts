import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { decode, encode } from '@msgpack/msgpack';
import { join } from 'node:path';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import type { BaseVm } from '../../../sdk/base/index.js';
import { BaseVmMismatchError, ChecksumError, createOverlayPackage, StreamLengthError } from '../../../sdk/overlay/package/index.js';
import { StoredZipReader } from '../../../sdk/overlay/package/zip-reader.js';
import { StoredZipWriter } from '../../../sdk/overlay/package/zip-writer.js';
import { destroyVm, listVms, OverlayChangedError, synthesizeVm, synthesizeVmFromStream, type LaunchedVm, type Progress } from '../../../sdk/vms/index.js';
import { counterBaseLab, type CounterBaseLab, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { PacedStream } from '../../fixtures/byte-streams.js';
import { SerialLog } from '../../fixtures/guest/index.js';
import { rangeFileHandler, startServer } from './test-servers.js';

/** 20 MB of random bytes in guest RAM (incompressible: several 8 MiB blobs), then a counter that lives only in RAM. */
const CUSTOMIZE = 'head -c 20000000 /dev/urandom >/rand.bin && (m=100; while :; do m=$((m+1)); echo "CUSTOM $m"; sleep 1; done) &';

/** The same package laid out as format v1: the blobs first, then overlay-meta (version 1). */
async function rewriteAsV1(from: string, to: string): Promise<Buffer> {
  const reader = await StoredZipReader.open(from, { maxMembers: 64, maxCentralDirectoryBytes: 1 << 16 });
  const zip = await StoredZipWriter.create(to);
  const members = [...reader.members.values()];
  for (const member of [...members.filter((m) => m.name !== 'overlay-meta'), ...members.filter((m) => m.name === 'overlay-meta')]) {
    const bytes = await reader.read(member, 0, member.size);
    await zip.addMember(member.name, member.name === 'overlay-meta' ? Buffer.from(encode({ ...(decode(bytes) as object), version: 1 })) : bytes);
  }
  await zip.finish('');
  await reader.close();
  return readFile(to);
}

describe('synthesizeVmFromStream: synthesis pipelined with the overlay arriving on a stream, under the real libvirtd', () => {
  let lab: CounterBaseLab;
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let base: BaseVm;
  let cloudletDir: string;
  let overlay: Buffer;
  let overlayPath: string;
  let blobNames: string[];

  before(async () => {
    lab = await counterBaseLab('stream-');
    ({ host, libvirt, cloudletDir, base } = lab);
    const custom = await lab.customize(CUSTOMIZE, /^CUSTOM 103/, 'stream-custom');
    overlay = custom.bytes;
    overlayPath = custom.path;
    blobNames = custom.meta.blobs.map((blob) => blob.name);
  });

  after(() => lab.release());

  /** No VM, no domain, nothing in the VM registry or the staging area. */
  async function assertNothingLeft(name: string): Promise<void> {
    assert.equal(await libvirt.find(name), undefined, 'no domain');
    assert.deepEqual(await listVms({ cloudletDir }), [], 'no VM');
    assert.deepEqual(await readdir(join(cloudletDir, 'vms')), [], 'no VM directory');
    assert.deepEqual(await readdir(join(cloudletDir, 'tmp')), [], 'no staging directory');
  }

  /** The VM resumed the customized guest: its RAM-only counter goes on past where it was saved, and it did not boot. */
  async function assertResumed(vm: LaunchedVm): Promise<void> {
    const serial = new SerialLog(vm.files.console);
    const [, custom] = await serial.waitFor(/^CUSTOM (\d+)$/, 30_000);
    assert.ok(Number(custom) > 103, `the RAM counter continued (CUSTOM ${custom})`);
    assert.ok(!(await serial.lines()).includes('GUEST-BOOTED'), 'the guest did not boot again');
  }

  it('applies blobs while the rest of a paced stream is still arriving, and resumes the VM right after the last byte', async (t) => {
    assert.ok(blobNames.length >= 4, `the overlay has ${blobNames.length} blobs: the VM state and at least three of items`);
    // About 8 s on the wire, so that blobs arrive well apart even when other tests load the machine.
    const stream = new PacedStream(overlay, overlay.length / 8);
    const events: Array<{ at: number; event: Progress }> = [];
    const vm = await synthesizeVmFromStream(base.id, stream, { cloudletDir, name: 'streamed', declaredBytes: overlay.length, origin: 'test upload', onProgress: (event) => events.push({ at: performance.now(), event }) });
    const resumedAt = performance.now();
    try {
      const applied = events.filter(({ event }) => event.kind === 'blob');
      const early = applied.filter(({ at }) => at < stream.lastByteAt!);
      const since = (at: number) => Math.round(at - stream.firstByteAt!);
      t.diagnostic(`${overlay.length} bytes in ${blobNames.length} blobs; transfer ${since(stream.lastByteAt!)} ms, first byte to resumed ${since(resumedAt)} ms; blobs applied at ${applied.map(({ at, event }) => `${since(at)} ms (${event.kind === 'blob' ? event.size : 0} B)`).join(', ')}`);
      assert.equal(applied.length, blobNames.length - 1, 'every blob of items applied');
      assert.ok(early.length >= 1, `${early.length} blobs were applied before the last byte was sent`);
      assert.ok(events.some(({ event }) => event.kind === 'bytes' && event.phase === 'receive' && event.total === overlay.length));
      assert.equal(vm.origin.overlaySha256, createHash('sha256').update(overlay).digest('hex'));
      assert.equal(vm.origin.overlay, 'test upload');
      await assertResumed(vm);
    } finally {
      await destroyVm(vm.id, { cloudletDir });
    }
  });

  it('a stream cut mid-way, or aborted like a client that went away, leaves no VM and no files', async () => {
    await assert.rejects(synthesizeVmFromStream(base.id, new PacedStream(overlay, 50e6, { failAt: overlay.length / 2 }), { cloudletDir, name: 'cut' }), { code: 'ECONNRESET' });
    await assertNothingLeft('cut');
    const controller = new AbortController();
    const stream = new PacedStream(overlay, 50e6);
    const aborted = synthesizeVmFromStream(base.id, stream, { cloudletDir, name: 'gone', signal: controller.signal, onProgress: (event) => {
      if (event.kind === 'blob') controller.abort();
    } });
    await assert.rejects(aborted, { name: 'AbortError' });
    assert.equal(stream.destroyed, true, 'the source was destroyed');
    await assertNothingLeft('gone');
  });

  it('refuses a flipped byte in the last blob before applying it, after applying the ones before', async () => {
    const bad = Buffer.from(overlay);
    bad[bad.length - 2000]! ^= 0x40;
    const applied: string[] = [];
    await assert.rejects(synthesizeVmFromStream(base.id, new PacedStream(bad, 50e6), { cloudletDir, name: 'flipped', onProgress: (event) => {
      if (event.kind === 'blob') applied.push(event.name);
    } }), (e: unknown) => e instanceof ChecksumError && e.member === blobNames.at(-1));
    assert.ok(!applied.includes(blobNames.at(-1)!), 'the corrupt blob was not applied');
    await assertNothingLeft('flipped');
  });

  it('refuses an overlay of another base after its meta, and a stream longer or shorter than declared', async () => {
    const other = join(host.scratch, 'other-base.zip');
    const writer = await createOverlayPackage(other, { baseVmId: 'ab'.repeat(32), diskSize: base.diskSize, memorySize: 4096, createdBy: 'test' });
    await writer.addBlob(Buffer.alloc(100_000), { codec: 'none', uncompressedSize: 100_000 });
    await writer.finish();
    const wrong = new PacedStream(await readFile(other), 50e6);
    await assert.rejects(synthesizeVmFromStream(base.id, wrong, { cloudletDir, name: 'wrong' }), BaseVmMismatchError);
    assert.ok(wrong.sent < 100_000, `only the head was read (${wrong.sent} bytes)`);
    await assertNothingLeft('wrong');
    for (const [declaredBytes, problem] of [[overlay.length + 1, 'short'], [overlay.length - 1, 'long']] as const) {
      await assert.rejects(synthesizeVmFromStream(base.id, new PacedStream(overlay, 50e6), { cloudletDir, name: `len-${problem}`, declaredBytes }), (e: unknown) =>
        e instanceof StreamLengthError && e.problem === problem);
      await assertNothingLeft(`len-${problem}`);
    }
  });

  it('synthesizes from a URL while it downloads, resuming with a Range request after the server cut the connection; a v1 package is downloaded first; an ETag change is refused', async () => {
    let etag = '"one"';
    const handler = rangeFileHandler(overlay, { etag: () => etag, cutAt: Math.floor(overlay.length / 2) });
    const server = await startServer(handler);
    try {
      const url = `${server.origin}/custom.overlay.zip`;
      const warnings: string[] = [];
      const vm = await synthesizeVm(base.id, url, { cloudletDir, name: 'from-url', onProgress: (event) => {
        if (event.kind === 'warning') warnings.push(event.message);
      } });
      try {
        assert.deepEqual(handler.requests, [{}, { range: `bytes=${Math.floor(overlay.length / 2)}-`, ifRange: '"one"' }]);
        assert.equal(warnings.length, 1, 'the resume was reported');
        assert.equal(vm.origin.overlay, url);
        assert.equal(vm.origin.overlaySha256, createHash('sha256').update(overlay).digest('hex'));
        await assertResumed(vm);
      } finally {
        await destroyVm(vm.id, { cloudletDir });
      }
      // A package of format v1 (meta last) cannot be applied while it streams: it is downloaded whole, then synthesized.
      const v1 = await rewriteAsV1(overlayPath, join(host.scratch, 'v1.overlay.zip'));
      const v1Server = await startServer(rangeFileHandler(v1, { etag: () => '"v1"' }));
      try {
        const fallback: Progress[] = [];
        const old = await synthesizeVm(base.id, `${v1Server.origin}/v1.zip`, { cloudletDir, name: 'from-v1', onProgress: (event) => fallback.push(event) });
        try {
          assert.ok(fallback.some((event) => event.kind === 'warning' && /format v1/.test(event.message)), 'the fallback is said');
          assert.ok(fallback.some((event) => event.kind === 'phase-end' && event.phase === 'download'));
          assert.equal(old.origin.overlaySha256, createHash('sha256').update(v1).digest('hex'));
          await assertResumed(old);
        } finally {
          await destroyVm(old.id, { cloudletDir });
        }
      } finally {
        await v1Server.close();
      }
      const changing = rangeFileHandler(overlay, { etag: () => etag, cutAt: Math.floor(overlay.length / 2) });
      const second = await startServer((request, response) => {
        if (changing.requests.length === 1) etag = '"two"';
        changing(request, response);
      });
      try {
        await assert.rejects(synthesizeVm(base.id, `${second.origin}/custom.overlay.zip`, { cloudletDir, name: 'changed' }), OverlayChangedError);
        await assertNothingLeft('changed');
      } finally {
        await second.close();
      }
    } finally {
      await server.close();
    }
  });
});
