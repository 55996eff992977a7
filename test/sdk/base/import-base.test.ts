import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import yazl from 'yazl';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import { readLibvirtSaveHeader } from '../../../sdk/image/memory/index.js';
import { domainFacts, UnsafeDomainXmlError } from '../../../sdk/vm/index.js';
import { replaceSaveImageXml } from '../../../sdk/base/save-image-xml.js';
import { manifestFor } from '../../../sdk/base/archive-manifest.js';
import {
  ArchiveExistsError,
  ArchiveFormatError,
  BaseIdMismatchError,
  BaseNameError,
  createBase,
  DuplicateBaseError,
  exportBase,
  importBase,
  listBases,
  UnsafeArchiveMemberError,
  type BaseVm,
} from '../../../sdk/base/index.js';
import { buildBootableDisk, prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { SerialLog, virsh } from '../../fixtures/guest/index.js';
import { otherUserCanRead } from '../../fixtures/other-user.js';

type Member = [name: string, content: Buffer | { file: string }];

/** A zip of `members`, stored; `rename` then rewrites a member name in place (yazl refuses unsafe names). */
async function writeZip(path: string, members: Member[], rename?: [from: string, to: string]): Promise<string> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of members) {
    if (Buffer.isBuffer(content)) zip.addBuffer(content, name, { compressionLevel: 0 });
    else zip.addFile(content.file, name, { compressionLevel: 0 });
  }
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(path));
  if (rename) {
    assert.equal(rename[0].length, rename[1].length);
    const bytes = await readFile(path);
    await writeFile(path, Buffer.from(bytes.toString('latin1').replaceAll(rename[0], rename[1]), 'latin1'));
  }
  return path;
}

function memberNames(path: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    yauzl.open(path, { lazyEntries: true }, (error, zip) => {
      if (error) return reject(error);
      const names: string[] = [];
      zip.on('entry', (entry: yauzl.Entry) => {
        names.push(entry.fileName);
        zip.readEntry();
      });
      zip.once('end', () => resolve(names));
      zip.once('error', reject);
      zip.readEntry();
    }),
  );
}

describe('exportBase and importBase', () => {
  let host: LibvirtHost;
  let base: BaseVm;
  let archive: string;
  const dir = (name: string) => ({ cloudletDir: join(host.scratch, name) });

  before(async () => {
    host = await prepareLibvirtHost('archive-');
    const ready = { kind: 'serial', pattern: /^COUNTER 2 /, timeoutMs: 60_000 } as const;
    base = await createBase((await buildBootableDisk()).path, { ...dir('origin'), memoryMiB: 256, ready });
    archive = (await exportBase(base.id, join(host.scratch, 'base.zip'), dir('origin'))).archive;
  });

  after(async () => {
    const libvirt = await LibvirtConnection.open();
    await libvirt.remove(base.domain).catch(() => undefined);
    await libvirt.close();
    await host.release();
  });

  it('exports a zip with the manifest first, then the disk and the memory image, and never overwrites', async () => {
    assert.deepEqual(await memberNames(archive), ['manifest.json', 'disk.raw', 'memory.save']);
    await assert.rejects(exportBase(base.id, archive, dir('origin')), (error: unknown) => error instanceof ArchiveExistsError && error.archive === archive);
    assert.deepEqual((await readdir(host.scratch)).filter((name) => name.includes('.partial')), []);
  });

  it('imports elsewhere: same ID and hash lists, and a memory image that resumes from its new home', async () => {
    const imported = await importBase(archive, dir('other'));
    assert.equal(imported.id, base.id);
    assert.deepEqual(imported.hardware, base.hardware);
    assert.ok((await readFile(imported.files.memoryHashes)).equals(await readFile(base.files.memoryHashes)));
    assert.ok((await readFile(imported.files.diskHashes)).equals(await readFile(base.files.diskHashes)));
    assert.deepEqual(domainFacts((await readLibvirtSaveHeader(imported.files.memory)).xml).diskFiles, [imported.files.disk]);
    for (const [key, path] of Object.entries(imported.files)) {
      if (key === 'console') continue; // made by the first restore below
      assert.equal((await stat(path)).mode & 0o777, 0o600, key);
      assert.equal(await otherUserCanRead(path), false, `another user cannot read ${key}`);
    }

    const saved = (await new SerialLog(base.files.console).counters()).at(-1)!;
    const serial = new SerialLog(imported.files.console);
    await virsh('restore', imported.files.memory);
    await serial.waitFor(new RegExp(`^COUNTER ${saved.counter + 1} `), 20_000);
    await virsh('destroy', imported.domain.name);
  });

  it('refuses a manifest name with control characters before extracting anything, and imports the base under --name', async () => {
    const evil = await writeZip(join(host.scratch, 'evil-name.zip'), [
      ['manifest.json', Buffer.from(JSON.stringify({ ...manifestFor(base), name: 'tiny\u001b]0;owned\u0007\u001b[2J\u202e' }))],
      ['disk.raw', { file: base.files.disk }],
      ['memory.save', { file: base.files.memory }],
    ]);
    await assert.rejects(importBase(evil, dir('evil')), (error: unknown) => error instanceof BaseNameError && error.origin === 'archive manifest');
    assert.deepEqual(await readdir(join(host.scratch, 'evil', 'tmp')), []);
    await assert.rejects(importBase(evil, { ...dir('evil'), name: 'also\u009bbad' }), (error: unknown) => error instanceof BaseNameError && error.origin === 'option');
    assert.equal((await importBase(evil, { ...dir('evil'), name: 'renamed' })).name, 'renamed');
  });

  it('refuses a base already registered, before extracting anything', async () => {
    await assert.rejects(importBase(archive, dir('origin')), (error: unknown) => error instanceof DuplicateBaseError && error.id === base.id);
    assert.deepEqual(await readdir(join(host.scratch, 'origin', 'tmp')), []);
  });

  it('refuses an archive whose disk does not hash to the ID its manifest claims', async () => {
    const claimed = 'e'.repeat(64);
    const forged = await writeZip(join(host.scratch, 'forged.zip'), [
      ['manifest.json', Buffer.from(JSON.stringify({ ...manifestFor(base), id: claimed }))],
      ['disk.raw', { file: base.files.disk }],
      ['memory.save', { file: base.files.memory }],
    ]);
    await assert.rejects(importBase(forged, dir('forged')), (error: unknown) => {
      assert.ok(error instanceof BaseIdMismatchError);
      assert.equal(error.claimedId, claimed);
      assert.equal(error.actualId, base.id);
      return true;
    });
    assert.deepEqual(await listBases(dir('forged')), []);
    assert.deepEqual(await readdir(join(host.scratch, 'forged', 'tmp')), []);
  });

  it('reports a file that is not a zip, or a member whose data is damaged, as ArchiveFormatError', async () => {
    const text = join(host.scratch, 'not-a.zip');
    await writeFile(text, 'just text\n');
    await assert.rejects(importBase(text, dir('damaged')), (error: unknown) => error instanceof ArchiveFormatError && error.member === undefined);
    const damaged = join(host.scratch, 'damaged.zip');
    const bytes = await readFile(archive);
    for (let at = 4096; at < 8192; at++) bytes[at] ^= 0xff; // early in disk.raw's data
    await writeFile(damaged, bytes);
    await assert.rejects(importBase(damaged, dir('damaged')), (error: unknown) => error instanceof ArchiveFormatError && error.member === 'disk.raw');
    assert.deepEqual(await readdir(join(host.scratch, 'damaged', 'tmp')), []);
  });

  it('refuses member names that climb out of the target directory, are absolute or have directories', async () => {
    // Written under a harmless name of the same length, then renamed in the zip's bytes.
    for (const [written, unsafe] of [['xx/disk.raw', '../disk.raw'], ['xtmp/disk.raw', '/tmp/disk.raw'], ['sub/disk.raw', 'sub/disk.raw']] as const) {
      const path = await writeZip(join(host.scratch, 'unsafe.zip'), [['manifest.json', Buffer.from('{}')], [written, Buffer.alloc(4096)], ['memory.save', Buffer.alloc(1)]], [written, unsafe]);
      await assert.rejects(importBase(path, dir('unsafe')), (error: unknown) => error instanceof UnsafeArchiveMemberError && error.member === unsafe, unsafe);
    }
    assert.deepEqual(await readdir(join(host.scratch, 'unsafe')), ['bases', 'tmp']);
    assert.deepEqual(await readdir(join(host.scratch, 'unsafe', 'tmp')), []);
  });

  it('refuses a member name with .. anywhere in it, by the zip name rule overlay packages share', async () => {
    const path = await writeZip(join(host.scratch, 'dots.zip'), [['manifest.json', Buffer.from('{}')], ['disk__raw', Buffer.alloc(4096)], ['memory.save', Buffer.alloc(1)]], ['disk__raw', 'disk..raw']);
    await assert.rejects(importBase(path, dir('dots')), (error: unknown) => error instanceof UnsafeArchiveMemberError && error.member === 'disk..raw');
    assert.deepEqual(await readdir(join(host.scratch, 'dots', 'tmp')), []);
  });

  it('refuses a memory image whose domain XML asks for more than our template (a host device)', async () => {
    const memory = join(host.scratch, 'hostile.save');
    await copyFile(base.files.memory, memory);
    const { xml } = await readLibvirtSaveHeader(memory);
    await replaceSaveImageXml(memory, xml.replace('</devices>', `<hostdev mode='subsystem' type='pci'><source><address bus='1' slot='0'/></source></hostdev></devices>`));
    const hostile = await writeZip(join(host.scratch, 'hostile.zip'), [
      ['manifest.json', Buffer.from(JSON.stringify(manifestFor(base)))],
      ['disk.raw', { file: base.files.disk }],
      ['memory.save', { file: memory }],
    ]);
    await assert.rejects(importBase(hostile, dir('hostile')), (error: unknown) => {
      assert.ok(error instanceof UnsafeDomainXmlError);
      assert.deepEqual(error.violations.map((violation) => [violation.path, violation.rule]), [['domain/devices/hostdev', 'device']]);
      return true;
    });
    assert.deepEqual(await listBases(dir('hostile')), []);
    assert.deepEqual(await readdir(join(host.scratch, 'hostile', 'tmp')), []);
  });
});
