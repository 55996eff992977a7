import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BadMagicError,
  encodeLibvirtSaveHeader,
  LIBVIRT_HEADER_SIZE,
  LibvirtSaveHeaderError,
  libvirtStreamOffset,
  parseLibvirtSaveHeader,
  readLibvirtSaveHeader,
  TruncatedStreamError,
  UnsupportedVersionError,
  canonicalizeStreamFile,
  fileSink,
  openMemorySnapshot,
  writeStream,
  type LibvirtSaveHeader,
} from '../../../../sdk/image/memory/index.js';
import { LibvirtDaemons, LibvirtGuest, type GuestCounter } from '../../../fixtures/guest/index.js';

const XML = "<domain type='qemu'>\n  <name>vm-ü</name>\n</domain>\n";
const COOKIE = '<cookie>\n  <slirpHelper/>\n</cookie>\n';
const HEADER: Omit<LibvirtSaveHeader, 'dataLength'> = { complete: true, wasRunning: true, compressed: 0, xml: XML, cookie: COOKIE };

function refusal(bytes: Buffer): unknown {
  try {
    parseLibvirtSaveHeader(bytes);
  } catch (error) {
    return error;
  }
  assert.fail('the header was accepted');
}

describe('the libvirt save header', () => {
  it('round-trips header, XML, cookie and libvirt\'s 64 KiB of padding byte for byte', () => {
    const bytes = encodeLibvirtSaveHeader(HEADER);
    const xmlBytes = Buffer.byteLength(XML) + 1;
    assert.equal(bytes.toString('latin1', 0, 16), 'LibvirtQemudSave');
    assert.deepEqual([bytes.readUInt32LE(16), bytes.readUInt32LE(24), bytes.readUInt32LE(28), bytes.readUInt32LE(32)], [2, 1, 0, xmlBytes]);
    const parsed = parseLibvirtSaveHeader(bytes);
    assert.deepEqual(parsed, { ...HEADER, dataLength: xmlBytes + COOKIE.length + 1 + 64 * 1024 });
    assert.equal(libvirtStreamOffset(parsed), bytes.length);
    assert.deepEqual(encodeLibvirtSaveHeader(parsed), bytes);
  });

  it('writes and reads a header without a cookie, still incomplete ("LibvirtQemudPart")', () => {
    const bytes = encodeLibvirtSaveHeader({ ...HEADER, cookie: null, complete: false, dataLength: 8192 - LIBVIRT_HEADER_SIZE });
    assert.equal(bytes.length, 8192);
    assert.deepEqual(parseLibvirtSaveHeader(bytes), { ...HEADER, cookie: null, complete: false, dataLength: 8100 });
  });

  it('reads the header of an image file, stream bytes following it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'libvirt-header-'));
    const path = join(dir, 'vm.save');
    await writeFile(path, Buffer.concat([encodeLibvirtSaveHeader(HEADER), Buffer.from('QEVM')]));
    assert.equal((await readLibvirtSaveHeader(path)).xml, XML);
    await rm(dir, { recursive: true });
  });

  it('refuses bad magic, other versions and truncation, at the offending offset', () => {
    const good = encodeLibvirtSaveHeader(HEADER);
    const magic = Buffer.from(good);
    magic.write('LibvirtQemudSavf', 0, 'latin1');
    assert.ok(refusal(magic) instanceof BadMagicError);
    const version = Buffer.from(good);
    version.writeUInt32LE(1, 16);
    const versionError = refusal(version);
    assert.ok(versionError instanceof UnsupportedVersionError && versionError.offset === 16 && versionError.found === 1);
    assert.ok(refusal(good.subarray(0, 91)) instanceof TruncatedStreamError);
    assert.ok(refusal(good.subarray(0, good.length - 1)) instanceof TruncatedStreamError);
  });

  it('refuses fields it does not understand rather than guessing', () => {
    const good = encodeLibvirtSaveHeader(HEADER);
    const cases: Array<[string, (bytes: Buffer) => void, number]> = [
      ['was_running 2', (b) => b.writeUInt32LE(2, 24), 24],
      ['an unused field set', (b) => b.writeUInt32LE(1, 60), 60],
      ['data_len of 1 GiB', (b) => b.writeUInt32LE(1 << 30, 20), 20],
      ['a cookie that is not right after the XML', (b) => b.writeUInt32LE(3, 32), 32],
      ['padding that is not zero', (b) => (b[b.length - 5] = 1), good.length - 5],
      ['XML that is not UTF-8', (b) => (b[LIBVIRT_HEADER_SIZE + 5] = 0xff), LIBVIRT_HEADER_SIZE],
      ['no NUL after the XML within data_len', (b) => b.fill(0x41, LIBVIRT_HEADER_SIZE), LIBVIRT_HEADER_SIZE],
    ];
    for (const [what, corrupt, offset] of cases) {
      const bytes = Buffer.from(good);
      corrupt(bytes);
      const error = refusal(bytes);
      assert.ok(error instanceof LibvirtSaveHeaderError, `${what}: ${String(error)}`);
      assert.equal(error.offset, offset, what);
    }
  });

  it('refuses to encode XML with a NUL in it, or a data_len too small for it', () => {
    assert.throws(() => encodeLibvirtSaveHeader({ ...HEADER, xml: 'a\0b' }), LibvirtSaveHeaderError);
    assert.throws(() => encodeLibvirtSaveHeader({ ...HEADER, dataLength: 10 }), LibvirtSaveHeaderError);
  });
});

describe('a real `virsh save` image', () => {
  let dir: string;
  let daemons: LibvirtDaemons;
  let guest: LibvirtGuest;
  let image: string;
  let saved: GuestCounter;
  let linesAtSave: number;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'libvirt-save-'));
    await chmod(dir, 0o755);
    daemons = await LibvirtDaemons.ensure();
    guest = await LibvirtGuest.create({ name: `cloudlet-test-${process.pid}`, workDir: dir, blobMiB: 4 });
    await guest.serial.waitFor(/^COUNTER 2 /, 60_000);
    image = join(dir, 'vm.save');
    await guest.save(image);
    saved = (await guest.serial.counters()).at(-1)!;
    linesAtSave = (await guest.serial.lines()).length;
  });

  after(async () => {
    await guest?.destroy();
    await daemons?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('has a version 2 header: running, raw, the domain XML and the CPU cookie; re-encoding gives the same bytes', async () => {
    const header = await readLibvirtSaveHeader(image);
    assert.deepEqual([header.complete, header.wasRunning, header.compressed], [true, true, 0]);
    assert.match(header.xml, new RegExp(`<name>${guest.name}</name>`));
    assert.match(header.cookie!, /^<cookie>/);
    const bytes = await readFile(image);
    assert.deepEqual(encodeLibvirtSaveHeader(header), bytes.subarray(0, libvirtStreamOffset(header)));
  });

  it('holds a QEVM stream right after the header that re-emits byte for byte', async () => {
    const snapshot = await openMemorySnapshot(image);
    const copy = join(dir, 'stream.copy');
    const sink = await fileSink(copy);
    await writeStream(sink, snapshot.stream.header, snapshot.stream.records(), () => snapshot.stream.deviceState());
    await sink.close();
    assert.equal(await sha256(copy), await sha256(image, snapshot.streamOffset));
  });

  it('restores with virsh from a re-encoded header + the canonical stream, and the guest continues', async () => {
    const header = await readLibvirtSaveHeader(image);
    const rewritten = join(dir, 'canonical.save');
    const sink = await fileSink(rewritten);
    await sink.write(encodeLibvirtSaveHeader({ ...header, dataLength: undefined }));
    await canonicalizeStreamFile(image, sink, { offset: libvirtStreamOffset(header), zeroPages: 'drop' });
    await sink.close();
    await guest.restore(rewritten);
    await guest.serial.waitFor(new RegExp(`^COUNTER ${saved.counter + 2} `), 30_000);
    const [first] = await guest.serial.counters(linesAtSave);
    assert.ok(first!.counter === saved.counter + 1 || first!.counter === saved.counter + 2, `${first!.counter} after ${saved.counter}`);
    assert.ok(first!.uptime > saved.uptime);
  });
});

async function sha256(path: string, start = 0): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { start })) hash.update(chunk);
  return hash.digest('hex');
}
