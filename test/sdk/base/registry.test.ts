import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { checkQemuCanReach, cloudletDirLayout } from '../../../sdk/base/cloudlet-dir.js';
import { writeBaseRecord } from '../../../sdk/base/base-record.js';
import {
  AmbiguousBaseError,
  BaseNotFoundError,
  BaseRecordError,
  BaseRegistry,
  CloudletDirUnreachableError,
  DuplicateBaseError,
  type BaseRecord,
  type StagedDomain,
} from '../../../sdk/base/index.js';

function record(id: string, name: string): BaseRecord {
  return {
    format: 'cloudlet-base',
    version: 1,
    id,
    name,
    createdAt: new Date().toISOString(),
    source: '/images/x.raw',
    domain: { name: `cloudlet-base-${id.slice(0, 12)}`, uuid: '639a1a35-8cf1-4bf8-a988-993a2fb80c8e', type: 'qemu' },
    hardware: { memoryMiB: 256, vcpus: 1, machine: 'pc-i440fx-7.2', nicMac: null },
    diskSize: 4096,
    memory: { saveSize: 1, pages: 1, layout: [{ block: 'pc.ram', length: 4096, firstPage: 0 }] },
  };
}

/** Stages a fake base (record and a data file) the way createBase does, and commits it. */
async function stageAndCommit(registry: BaseRegistry, id: string, name: string) {
  const staging = await registry.createStaging('create');
  await writeFile(join(staging.path, 'disk.raw'), Buffer.alloc(4096));
  await writeBaseRecord(staging.path, record(id, name));
  return { staging, committed: registry.commit(staging, id) };
}

describe('BaseRegistry', () => {
  let root: string;
  let registry: BaseRegistry;
  const idA = 'a'.repeat(63) + '1';
  const idB = 'a'.repeat(8) + 'b'.repeat(56);

  before(async () => {
    root = await mkdtemp('/var/tmp/registry-');
    registry = await BaseRegistry.open({ cloudletDir: join(root, 'cloudlet') });
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('registers a staged base by renaming it in, and finds it by ID, unique prefix or name', async () => {
    const base = await (await stageAndCommit(registry, idA, 'debian')).committed;
    assert.equal(base.dir, join(root, 'cloudlet', 'bases', idA));
    await (await stageAndCommit(registry, idB, 'alpine')).committed;
    assert.deepEqual((await registry.list()).map((b) => b.id), [idA, idB]);
    assert.equal((await registry.resolve(idA)).name, 'debian');
    assert.equal((await registry.resolve('aaaaaaaab')).id, idB);
    assert.equal((await registry.resolve('alpine')).id, idB);
    await assert.rejects(registry.resolve('aaaa'), (error: unknown) => error instanceof AmbiguousBaseError && error.matches.length === 2);
    await assert.rejects(registry.resolve('ubuntu'), BaseNotFoundError);
    assert.deepEqual(await readdir(registry.dir.tmp), [], 'nothing left in tmp/');
  });

  it('lets exactly one of two concurrent registrations of the same ID win', async () => {
    const id = 'c'.repeat(64);
    const [first, second] = await Promise.all([stageAndCommit(registry, id, 'one'), stageAndCommit(registry, id, 'two')]);
    const results = await Promise.allSettled([first.committed, second.committed]);
    assert.deepEqual(results.map((result) => result.status).sort(), ['fulfilled', 'rejected']);
    const loser = results.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    assert.ok(loser.reason instanceof DuplicateBaseError && loser.reason.id === id);
    await rm(first.staging.path, { recursive: true, force: true });
    await rm(second.staging.path, { recursive: true, force: true });
  });

  it('deletes a base: record and files, nothing left behind', async () => {
    await registry.remove('c'.repeat(64));
    await assert.rejects(registry.resolve('c'.repeat(64)), BaseNotFoundError);
    assert.ok(!(await readdir(registry.dir.bases)).includes('c'.repeat(64)));
    assert.deepEqual(await readdir(registry.dir.tmp), []);
    await assert.rejects(registry.remove('c'.repeat(64)), BaseNotFoundError);
  });

  it('sweeps work directories of killed commands, handing over the domain they may have left running', async () => {
    const dead = execa('true');
    await dead;
    const orphan = join(registry.dir.tmp, 'create-killed');
    await mkdir(orphan);
    const dead1 = { name: 'cloudlet-base-new-dead', uuid: randomUUID() };
    await writeFile(join(orphan, '.owner.json'), JSON.stringify({ pid: dead.pid, domain: dead1 }));
    // Written by a version that recorded the name only: handed over without a UUID.
    const old = join(registry.dir.tmp, 'create-old');
    await mkdir(old);
    await writeFile(join(old, '.owner.json'), JSON.stringify({ pid: dead.pid, domain: 'cloudlet-base-new-old' }));
    // Killed between mkdtemp and writing its owner file: the pid in the name decides.
    const unrecorded = join(registry.dir.tmp, `synthesis-${dead.pid}-a1B2c3`);
    await mkdir(unrecorded);
    const livingUnrecorded = join(registry.dir.tmp, `synthesis-${process.pid}-d4E5f6`);
    await mkdir(livingUnrecorded);
    const mine = await registry.createStaging('create', { name: 'cloudlet-base-new-mine', uuid: randomUUID() });
    assert.match(mine.path, new RegExp(`/create-${process.pid}-[^/-]{6}$`));
    const cleaned: StagedDomain[] = [];
    const swept = await registry.sweepStale(async (domain) => {
      cleaned.push(domain);
    });
    assert.deepEqual(cleaned.sort((a, b) => a.name.localeCompare(b.name)), [dead1, { name: 'cloudlet-base-new-old', uuid: undefined }]);
    assert.deepEqual(swept.map((entry) => entry.path).sort(), [orphan, old, unrecorded]);
    assert.deepEqual((await readdir(registry.dir.tmp)).sort(), [mine.path.split('/').at(-1), livingUnrecorded.split('/').at(-1)].sort());
    await rm(mine.path, { recursive: true });
    await rm(livingUnrecorded, { recursive: true });
  });

  it('reports a damaged record instead of guessing', async () => {
    const id = 'd'.repeat(64);
    await mkdir(join(registry.dir.bases, id));
    await writeFile(join(registry.dir.bases, id, 'base.json'), '{"format":"cloudlet-base","version":2}');
    await assert.rejects(registry.resolve(id), (error: unknown) => error instanceof BaseRecordError && error.field === 'version');
    await rm(join(registry.dir.bases, id), { recursive: true });
  });
});

describe('checkQemuCanReach', () => {
  it('names the directory QEMU (libvirt-qemu) cannot traverse', async () => {
    const root = await mkdtemp('/var/tmp/reach-');
    try {
      await chmod(root, 0o700);
      const dir = cloudletDirLayout({ cloudletDir: join(root, 'cloudlet') });
      await mkdir(dir.root);
      await assert.rejects(checkQemuCanReach(dir), (error: unknown) => {
        assert.ok(error instanceof CloudletDirUnreachableError);
        assert.equal(error.blockingDir, root);
        return true;
      });
      await chmod(root, 0o711);
      await checkQemuCanReach(dir);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
