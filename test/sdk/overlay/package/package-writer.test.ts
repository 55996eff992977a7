import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { access, chmod, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FileInTheWayError, OutputFileExistsError } from '../../../../sdk/files/index.js';
import {
  ChunkRangeError,
  createOverlayPackage,
  MetaFieldError,
  openOverlayPackage,
  WriterStateError,
  Zip64RequiredError,
  type CreatePackageOptions,
} from '../../../../sdk/overlay/package/index.js';
import { otherUserCanRead } from '../../../fixtures/other-user.js';

const baseVmId = createHash('sha256').update('base disk').digest('hex');
const options: CreatePackageOptions = { baseVmId, diskSize: 1 << 20, memorySize: 1 << 20, createdBy: 'cloudlet-tasks test' };
let dir: string;

async function* stream(...texts: string[]): AsyncGenerator<Buffer> {
  for (const t of texts) yield Buffer.from(t);
}

const exists = (path: string) => access(path).then(() => true, () => false);

describe('overlay package writer', () => {
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'package-writer-'));
    // Others may traverse, as an output directory usually lets them: only the package's mode keeps them out.
    await chmod(dir, 0o711);
  });
  after(async () => { await rm(dir, { recursive: true, force: true }); });

  it('spools blobs as they come and writes the meta first (format v2), into a package the reader and unzip accept', async () => {
    const path = join(dir, 'overlay.zip');
    const writer = await createOverlayPackage(path, options);
    assert.deepEqual(await readdir(dir), ['overlay.zip.partial'], 'the blob spool is unlinked as soon as it is open');
    const first = await writer.addBlob(stream('xz ', 'bytes'), { codec: 'xz', uncompressedSize: 4096, disk: [{ first: 2, count: 1 }, { first: 0, count: 2 }] });
    let produced = 0;
    const second = await writer.addBlob((async function* () { produced = 8192; yield Buffer.from('zstd bytes'); })(), () =>
      ({ codec: 'zstd', uncompressedSize: produced, memory: [{ first: 7, count: 2 }] }));
    const third = await writer.addBlob(Buffer.from('raw'), { codec: 'none', uncompressedSize: 3 });
    assert.equal(await exists(path), false, 'nothing at the final path before finish');
    const meta = await writer.finish([{ first: 100, count: 10 }]);

    assert.deepEqual([first.name, second.name, third.name], ['overlay-blob-1', 'overlay-blob-2', 'overlay-blob-3']);
    assert.deepEqual(first.disk, [{ first: 0, count: 3 }], 'runs are normalized');
    assert.equal(second.uncompressedSize, 8192, 'a deferred description is read after the data');
    assert.equal(first.sha256, createHash('sha256').update('xz bytes').digest('hex'));
    assert.equal(first.size, 8);
    const pkg = await openOverlayPackage(path, { expectedBaseVmId: baseVmId });
    assert.deepEqual(pkg.meta, meta);
    assert.deepEqual(pkg.meta.diskZeroed, [{ first: 100, count: 10 }]);
    assert.equal(pkg.formatVersion, 2);
    await pkg.close();
    const { stdout } = await promisify(execFile)('unzip', ['-Z1', path]);
    assert.deepEqual(stdout.trim().split('\n'), ['overlay-meta', 'overlay-blob-1', 'overlay-blob-2', 'overlay-blob-3'], 'zip order: meta first, blobs in meta order');
    await promisify(execFile)('unzip', ['-tq', path]);
    assert.deepEqual(await readdir(dir), ['overlay.zip'], 'no partial file left');
  });

  it('refuses, at finish, claims that the meta cannot hold, and removes the partial file', async () => {
    const path = join(dir, 'bad-claims.zip');
    const writer = await createOverlayPackage(path, options);
    await writer.addBlob(Buffer.from('x'), { codec: 'xz', uncompressedSize: 1, disk: [{ first: 255, count: 2 }] });
    await assert.rejects(writer.finish(), (e: unknown) => e instanceof ChunkRangeError && e.first === 255 && e.limit === 256);
    assert.equal(await exists(`${path}.partial`), false);
    assert.equal(await exists(path), false);
    await assert.rejects(writer.addBlob(Buffer.from('y'), { codec: 'none', uncompressedSize: 1 }), (e: unknown) =>
      e instanceof WriterStateError && e.state === 'broken' && e.cause instanceof ChunkRangeError);
  });

  it('refuses a blob past the archive limit and stays broken', async () => {
    const path = join(dir, 'too-big.zip');
    const writer = await createOverlayPackage(path, { ...options, maxBlobBytes: 100 });
    await assert.rejects(writer.addBlob(Buffer.alloc(101), { codec: 'none', uncompressedSize: 101 }), (e: unknown) =>
      e instanceof Zip64RequiredError && e.member === 'overlay-blob-1' && e.field === 'size');
    assert.equal(await exists(`${path}.partial`), false);
    await assert.rejects(writer.finish(), WriterStateError);
  });

  it('refuses a bad Base VM ID before creating any file', async () => {
    const path = join(dir, 'bad-id.zip');
    await assert.rejects(createOverlayPackage(path, { ...options, baseVmId: 'not-hex' }), (e: unknown) =>
      e instanceof MetaFieldError && e.field === 'base_vm_id');
    assert.equal(await exists(`${path}.partial`), false);
  });

  it('is closed after finish, and abort removes an unfinished package', async () => {
    const done = await createOverlayPackage(join(dir, 'done.zip'), options);
    await done.finish();
    await assert.rejects(done.addBlob(Buffer.from('late'), { codec: 'none', uncompressedSize: 4 }), (e: unknown) =>
      e instanceof WriterStateError && e.state === 'finished');
    await done.abort();
    assert.equal(await exists(join(dir, 'done.zip')), true, 'abort after finish keeps the package');

    const path = join(dir, 'aborted.zip');
    const writer = await createOverlayPackage(path, options);
    await writer.addBlob(Buffer.from('x'), { codec: 'none', uncompressedSize: 1 });
    await writer.abort();
    assert.equal(await exists(`${path}.partial`), false);
    await assert.rejects(writer.finish(), (e: unknown) => e instanceof WriterStateError && e.state === 'aborted');
  });

  it('makes a package only its owner can read, unless a mode is asked for', async () => {
    const path = join(dir, 'private.zip');
    await (await createOverlayPackage(path, options)).finish();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    assert.equal(await otherUserCanRead(path), false, 'another user cannot read the guest data it carries');
    const shared = join(dir, 'shared.zip');
    await (await createOverlayPackage(shared, { ...options, mode: 0o640 })).finish();
    assert.equal((await stat(shared)).mode & 0o777, 0o640);
  });

  it('never writes through a symlink planted at <output>.partial, and says what to do', async () => {
    const victim = join(dir, 'victim');
    await writeFile(victim, 'precious');
    const path = join(dir, 'planted.zip');
    await symlink(victim, `${path}.partial`);
    await assert.rejects(createOverlayPackage(path, options), (e: unknown) => {
      assert.ok(e instanceof FileInTheWayError);
      assert.equal(e.path, `${path}.partial`);
      assert.match(e.message, /remove it and run again/);
      return true;
    });
    assert.equal(await readFile(victim, 'utf8'), 'precious');
    assert.equal(await exists(path), false);
  });

  it('never replaces an existing output: the package is refused at finish and its partial file removed', async () => {
    const path = join(dir, 'taken.zip');
    const writer = await createOverlayPackage(path, options);
    await writeFile(path, 'made meanwhile');
    await assert.rejects(writer.finish(), (e: unknown) => e instanceof OutputFileExistsError && e.path === path);
    assert.equal(await readFile(path, 'utf8'), 'made meanwhile');
    assert.equal(await exists(`${path}.partial`), false);
  });
});
