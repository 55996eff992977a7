import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { baseDomainXml, createBase, type BaseVm } from '../../../sdk/base/index.js';
import { createVmOverlay, type SshScript } from '../../../sdk/customize/index.js';
import type { Progress } from '../../../sdk/progress/index.js';
import { synthesize } from '../../../sdk/synthesis/index.js';
import { buildBootableDisk, prepareLibvirtHost, readDataFile, type BootableDisk, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { freePort } from '../../fixtures/free-port.js';

const JUNK_MIB = 3;
/**
 * What a real customization does with its downloads: written, used, deleted; plus a file it keeps.
 * Written past the page cache (O_DIRECT, small blocks): the cached pages of a deleted file stay in
 * guest RAM as free memory and the overlay's dedup would match the disk chunks against them, which
 * would hide what the trim saves on the disk side (free memory is the balloon's part).
 */
const SCRIPT = `set -e
echo kept >/mnt/kept.txt
dd if=/dev/urandom of=/mnt/junk bs=64k count=${JUNK_MIB * 16} oflag=direct 2>/dev/null
sync
rm /mnt/junk
sync
`;

describe('cloudlet overlay trims the guest over SSH before the save', () => {
  let host: LibvirtHost;
  let disk: BootableDisk;
  let base: BaseVm;
  let cloudletDir: string;

  before(async () => {
    host = await prepareLibvirtHost('trim-');
    disk = await buildBootableDisk();
    cloudletDir = join(host.scratch, 'cloudlet');
    base = await createBase(disk.path, { cloudletDir, memoryMiB: 256, forwards: [{ protocol: 'tcp', hostPort: await freePort(), guestPort: 22 }], ready: { kind: 'serial', pattern: /^SSHD-READY/, timeoutMs: 120_000 } });
    await writeFile(join(host.scratch, 'junk.sh'), SCRIPT);
    await writeFile(join(host.scratch, 'no-fstrim.sh'), `${SCRIPT}printf '#!/bin/sh\\necho "fstrim: not here" >&2\\nexit 1\\n' >/sbin/fstrim\n`);
  });

  after(() => host.release());

  async function overlay(name: string, scriptFile: string, trim: boolean): Promise<{ path: string; size: number; zeroedChunks: number; events: Progress[] }> {
    const port = await freePort();
    const ssh: SshScript = { target: { user: 'root', host: '127.0.0.1', port }, identityFile: disk.ssh.clientKey, hostKey: { fingerprint: disk.ssh.hostKeyFingerprint }, scriptFile: join(host.scratch, scriptFile) };
    const events: Progress[] = [];
    const output = join(host.scratch, `${name}.overlay.zip`);
    const made = await createVmOverlay(base.id, { ssh, trim, until: { kind: 'delay', ms: 0 } }, { cloudletDir, output, name: `trim-${name}`, forwards: [{ protocol: 'tcp', hostPort: port, guestPort: 22 }], onProgress: (event) => events.push(event) });
    const zeroedChunks = made.meta.diskZeroed.reduce((sum, range) => sum + range.count, 0);
    return { path: made.path, size: made.size, zeroedChunks, events };
  }

  it('leaves the blocks of a written and deleted file zeroed in the overlay, without their data; without the trim they travel', async (t) => {
    const trimmed = await overlay('trimmed', 'junk.sh', true);
    const untrimmed = await overlay('untrimmed', 'junk.sh', false);
    const trimEnd = trimmed.events.find((event) => event.kind === 'phase-end' && event.phase === 'trim');
    assert.ok(trimEnd && trimEnd.kind === 'phase-end', 'a trim phase ran');
    assert.match(trimEnd.detail, /^\/mnt: \d+ bytes trimmed$/, 'it says what was trimmed');
    assert.ok(!untrimmed.events.some((event) => event.kind === 'phase-start' && event.phase === 'trim'), 'trim: false skips it');
    assert.ok(!trimmed.events.some((event) => event.kind === 'warning'));
    t.diagnostic(`trimmed: ${trimmed.size} bytes, ${trimmed.zeroedChunks} zeroed chunks (${trimEnd.detail}); untrimmed: ${untrimmed.size} bytes, ${untrimmed.zeroedChunks} zeroed chunks`);
    const junkChunks = (JUNK_MIB << 20) / 4096;
    assert.ok(trimmed.zeroedChunks >= junkChunks, `the deleted file's ${junkChunks} chunks are among the ${trimmed.zeroedChunks} zeroed ones`);
    // Without the trim, only blocks the guest wrote zeros to (detect_zeroes=unmap) are zeroed.
    assert.ok(untrimmed.zeroedChunks < junkChunks / 4, `${untrimmed.zeroedChunks} zeroed chunks without the trim`);
    assert.ok(untrimmed.size - trimmed.size > 0.9 * (JUNK_MIB << 20), `the random bytes of the deleted file are not in the trimmed overlay (${untrimmed.size} - ${trimmed.size})`);

    // The zeroed ranges synthesize into a disk whose filesystem is intact and keeps what was kept.
    const out = join(host.scratch, 'synthesized');
    await mkdir(out);
    const result = await synthesize({ base: { disk: base.files.disk, memory: base.files.memory, id: base.id, memoryPages: base.files.memoryPages }, overlay: trimmed.path, outputDir: out, options: { domainXml: baseDomainXml(base, out) } });
    assert.equal(await readDataFile(result.disk, '/kept.txt'), 'kept');
  });

  it('a guest whose fstrim fails gets a warning, and the overlay is made all the same', async () => {
    const made = await overlay('no-fstrim', 'no-fstrim.sh', true);
    const warnings = made.events.filter((event) => event.kind === 'warning').map((event) => (event as { message: string }).message);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /^fstrim -av in the guest: exit 1 \(fstrim: not here\): the overlay is made as it is/);
    assert.ok(made.size > 0);
  });
});
