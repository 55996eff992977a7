import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { createOverlay, type OverlayInfo } from '../../sdk/overlay/index.js';
import { generatedVm, type GeneratedVm } from './overlay/create/generated-vm.js';

// Run from source (tsx) or compiled (dist/test): the CLI sits at the same place relative to this file.
const CLI = fileURLToPath(new URL(`../../sdk/cli.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url));
const cloudlet = (...args: string[]) => execa(process.execPath, ['--import', 'tsx', CLI, ...args], { reject: false });

describe('cloudlet info-overlay', () => {
  let vm: GeneratedVm;
  let overlay: string;
  before(async () => {
    vm = await generatedVm();
    overlay = join(vm.dir, 'vm.overlay');
    await createOverlay({ base: vm.base, customized: vm.customized, output: overlay, options: { codec: { codec: 'xz', level: 0 } } });
  });
  after(async () => vm.remove());

  it('prints the meta as JSON: format version, base ID, sizes, blobs with codec, sizes and claims, and the VM state', async () => {
    const run = await cloudlet('info-overlay', overlay, '--json');
    assert.equal(run.exitCode, 0, run.stderr);
    const info = JSON.parse(run.stdout) as OverlayInfo;
    assert.equal(info.formatVersion, 2);
    assert.match(info.baseVmId, /^[0-9a-f]{64}$/);
    assert.deepEqual([info.diskSize, info.memorySize], [4 << 20, 528 * 4096]);
    assert.ok(info.diskZeroedChunks > 0);
    assert.deepEqual([info.blobs[0]!.diskChunks, info.blobs[0]!.memoryChunks], [0, 0], 'the VM state record claims no chunks');
    assert.ok(info.blobs.slice(1).every((b) => b.codec === 'xz' && b.diskChunks + b.memoryChunks > 0));
    assert.deepEqual(info.vmState.blocks.map((b) => b.id), ['pc.ram', 'pc.bios']);
    assert.equal(info.vmState.libvirt, null);
  });

  it('prints a summary for a person', async () => {
    const run = await cloudlet('info-overlay', overlay);
    assert.equal(run.exitCode, 0, run.stderr);
    assert.match(run.stdout, /base VM ID {3}[0-9a-f]{64}/);
    assert.match(run.stdout, /overlay-blob-2 +xz/);
  });

  it('refuses a package that does not validate, with exit code 1 and the error named', async () => {
    const bad = join(vm.dir, 'bad.overlay');
    const bytes = await readFile(overlay);
    bytes[60]! ^= 1;
    await writeFile(bad, bytes);
    const run = await cloudlet('info-overlay', bad, '--json');
    assert.equal(run.exitCode, 1);
    // With --json, stdout holds no report: only the one error line, with the error's stable code.
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1, run.stdout);
    const line = JSON.parse(lines[0]!) as { kind: string; error: { name: string; code: string } };
    assert.deepEqual([line.kind, line.error.name, line.error.code], ['error', 'ChecksumError', 'overlay-checksum']);
    assert.match(run.stderr, /ChecksumError/);
  });

  it('keeps the doctor command and refuses unknown options', async () => {
    assert.match((await cloudlet('--help')).stdout, /doctor \[--json\][\s\S]*info-overlay OVERLAY \[--trust KEYFILE \.\.\.\] \[--json\]/);
    assert.equal((await cloudlet('info-overlay', overlay, '--yaml')).exitCode, 2);
  });
});
