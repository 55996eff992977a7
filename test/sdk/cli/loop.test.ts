import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { copyFile, readdir, readFile, stat, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReadStream } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import { sha256File } from '../../../sdk/base/index.js';
import { downloadOverlay, OverlayDownloadError, synthesizeVm } from '../../../sdk/vms/index.js';
import { BaseVmMismatchError } from '../../../sdk/overlay/index.js';
import { buildBootableDisk, prepareLibvirtHost, readDataFile, type BootableDisk, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { otherUserCanRead } from '../../fixtures/other-user.js';
import { cloudlet, cloudletProcess } from './cli-harness.js';

/** The base is saved once its RAM counter runs. */
const READY = ['--ready', 'serial:COUNTER 2 UPTIME', '--memory', '256'];
/** Typed on the customized VM's console: a file on the data partition, and a second counter that lives only in RAM. */
const CUSTOMIZE = 'echo customized >/mnt/custom.txt && sync && (m=100; while :; do m=$((m+1)); echo "CUSTOM $m"; sleep 1; done) &';

interface Sample { counter: number; uptime: number }

/** The last (or first) COUNTER/UPTIME and CUSTOM values in console lines. */
function samples(log: string) {
  const lines = log.split('\n').map((line) => line.replace(/\r$/, ''));
  const counters: Sample[] = lines.flatMap((line) => {
    const match = /^COUNTER (\d+) UPTIME ([\d.]+)$/.exec(line);
    return match ? [{ counter: Number(match[1]), uptime: Number(match[2]) }] : [];
  });
  const customs = lines.flatMap((line) => (/^CUSTOM (\d+)$/.exec(line) ? [Number(/^CUSTOM (\d+)$/.exec(line)![1])] : []));
  return { lines, counters, customs };
}

describe('the VM loop: base, overlay from a customized VM, synthesis that resumes', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let disk: BootableDisk;
  let env: { CLOUDLET_DIR: string };
  let baseId: string;
  let overlayPath: string;
  let savedLog = '';

  before(async () => {
    host = await prepareLibvirtHost('loop-');
    libvirt = await LibvirtConnection.open();
    disk = await buildBootableDisk();
    env = { CLOUDLET_DIR: join(host.scratch, 'cloudlet') };
    const made = await cloudlet(['base', disk.path, ...READY, '--name', 'tiny', '--json'], { env });
    assert.equal(made.code, 0, made.stderr);
    baseId = (made.json.at(-1) as { base: { id: string } }).base.id;
    for (const key of ['signer.key', 'other.key']) assert.equal((await cloudlet(['keygen', join(host.scratch, key)])).code, 0);
  });

  after(async () => {
    try {
      for (const name of await libvirt.names()) {
        const domain = name.startsWith('loop-') ? await libvirt.find(name) : undefined;
        if (domain) await libvirt.remove(domain).catch(() => undefined);
      }
      await libvirt.close();
    } finally {
      await host.release();
    }
  });

  const tmpEntries = () => readdir(join(env.CLOUDLET_DIR, 'tmp'));

  it('overlay: resumes the base on a qcow2 layer, types on its console, saves it and writes the overlay, signed; the VM is gone', async (t) => {
    overlayPath = join(host.scratch, 'tiny.overlay.zip');
    let consoleLog = '';
    const started = Date.now();
    const run = await cloudlet(['overlay', 'tiny', '--type', CUSTOMIZE, '--wait-for', 'CUSTOM 103', '--name', 'loop-custom', '--output', overlayPath, '--sign', join(host.scratch, 'signer.key'), '--json'], {
      env,
      onOutput: (text) => {
        for (const line of text.split('\n').filter((l) => l.startsWith('{'))) {
          const event = JSON.parse(line) as { kind: string; phase?: string; serialLog?: string };
          if (event.kind === 'console') consoleLog = event.serialLog!;
          // Read before the command removes the customized VM's files: what the guest said up to its save.
          if (event.kind === 'phase-end' && event.phase === 'save') savedLog = readFileSync(consoleLog, 'latin1');
        }
      },
    });
    assert.equal(run.code, 0, run.stderr);
    const result = run.json.at(-1) as { kind: string; overlay: { path: string; size: number; base: { id: string } } };
    assert.equal(result.overlay.base.id, baseId);
    assert.equal((await stat(overlayPath)).size, result.overlay.size);
    assert.equal((await stat(overlayPath)).mode & 0o777, 0o600);
    assert.equal(await otherUserCanRead(overlayPath), false, 'another user cannot read the overlay (guest memory pages)');
    t.diagnostic(`overlay ${result.overlay.size} bytes in ${Date.now() - started} ms; ${run.json.filter((e) => e.kind === 'phase-end').map((e) => `${String(e.phase)} ${String(e.elapsedMs)} ms`).join(', ')}`);
    assert.ok(samples(savedLog).customs.includes(103), 'the second counter ran before the save');
    assert.equal(await libvirt.find('loop-custom'), undefined);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('overlay: Ctrl-C while customizing leaves no domain, no files and no overlay', async () => {
    const output = join(host.scratch, 'interrupted.overlay.zip');
    const run = await cloudletProcess(['overlay', 'tiny', '--wait-for', 'NEVER-SAID', '--name', 'loop-interrupted', '--output', output], env, /^console: /m);
    assert.equal(run.code, 130, run.stderr);
    assert.equal(await libvirt.find('loop-interrupted'), undefined);
    assert.deepEqual(await tmpEntries(), []);
    await assert.rejects(stat(output), { code: 'ENOENT' });
  });

  it('info-overlay reads the overlay: for this base, from a libvirt save image', async () => {
    const run = await cloudlet(['info-overlay', overlayPath, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const info = run.json[0] as unknown as { baseVmId: string; vmState: { libvirt: unknown } };
    assert.equal(info.baseVmId, baseId);
    assert.notEqual(info.vmState.libvirt, null);
  });

  it('synthesis --trust: an overlay signed by another key is refused before any blob is read; no domain, no files left', async () => {
    const run = await cloudlet(['synthesis', 'tiny', overlayPath, '--name', 'loop-untrusted', '--trust', join(host.scratch, 'other.key.pub'), '--json'], { env });
    assert.equal(run.code, 1);
    assert.equal((run.json.at(-1) as { error: { code: string } }).error.code, 'overlay-signature-untrusted');
    assert.ok(!run.json.some((event) => event.kind === 'phase-start' && event.phase === 'apply'));
    assert.equal(await libvirt.find('loop-untrusted'), undefined);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('synthesis: the VM resumes where it was saved (its signer trusted): counters go on, no boot, uptime continues, the file is on its disk', async (t) => {
    const started = Date.now();
    const run = await cloudlet(['synthesis', baseId.slice(0, 12), overlayPath, '--name', 'loop-vm', '--trust', join(host.scratch, 'signer.key.pub'), '--json'], { env });
    assert.equal(run.code, 0, run.stderr);
    const resumedMs = Date.now() - started;
    const vm = (run.json.at(-1) as { vm: { name: string; console: string; dir: string } }).vm;
    assert.equal(vm.name, 'loop-vm');
    let after = samples('');
    for (let waited = 0; (after.counters.length < 2 || after.customs.length < 2) && waited < 30_000; waited += 250) {
      await sleep(250);
      after = samples(await readFile(vm.console, 'latin1'));
    }
    t.diagnostic(`synthesis to resumed VM ${resumedMs} ms; ${run.json.filter((e) => e.kind === 'phase-end').map((e) => `${String(e.phase)} ${String(e.elapsedMs)} ms`).join(', ')}`);
    const before = samples(savedLog);
    const lastSaved = before.counters.at(-1)!;
    const firstResumed = after.counters[0]!;
    assert.ok(!after.lines.includes('GUEST-BOOTED'), 'no boot after the restore');
    assert.ok(firstResumed.counter > lastSaved.counter && firstResumed.counter <= lastSaved.counter + 3, `COUNTER went on: ${lastSaved.counter} then ${firstResumed.counter}`);
    assert.ok(firstResumed.uptime >= lastSaved.uptime, `uptime went on: ${lastSaved.uptime} then ${firstResumed.uptime}`);
    const lastCustom = before.customs.at(-1)!;
    assert.ok(after.customs[0]! > lastCustom && after.customs[0]! <= lastCustom + 3, `CUSTOM went on: ${lastCustom} then ${after.customs[0]}`);
    assert.equal(await readDataFile(join(vm.dir, 'disk.qcow2'), '/custom.txt'), 'customized');
    assert.equal(await otherUserCanRead(join(vm.dir, 'disk.qcow2')), false, 'another user cannot read the synthesized disk');

    const listed = await cloudlet(['list', '--json'], { env });
    assert.deepEqual((listed.json[0] as unknown as Array<{ name: string; state: string }>).map((v) => [v.name, v.state]), [['loop-vm', 'running']]);
    // What a playbook's vm step compares: the record keeps the overlay it was made from, and its SHA-256.
    const [{ origin }] = listed.json[0] as unknown as Array<{ origin: { overlay: string; overlaySha256: string } }>;
    assert.deepEqual([origin.overlay, origin.overlaySha256], [overlayPath, await sha256File(overlayPath)]);
    assert.equal((await cloudlet(['destroy', 'loop-vm'], { env })).code, 0);
    assert.deepEqual(await tmpEntries(), []);
  });

  it('synthesis of an overlay made for another base: a typed error, no domain, no files left', async () => {
    // Another disk, so another base ID: the same guest on a disk 1 MiB longer.
    const other = join(host.scratch, 'other.raw');
    await copyFile(disk.path, other);
    await truncate(other, disk.size + (1 << 20));
    const made = await cloudlet(['base', other, ...READY, '--name', 'other', '--json'], { env });
    assert.equal(made.code, 0, made.stderr);
    await assert.rejects(synthesizeVm('other', overlayPath, { cloudletDir: env.CLOUDLET_DIR, name: 'loop-wrong' }), BaseVmMismatchError);
    const run = await cloudlet(['synthesis', 'other', overlayPath, '--name', 'loop-wrong'], { env });
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^cloudlet synthesis: /);
    assert.equal(run.stderr.trim().split('\n').length, 1);
    assert.equal(await libvirt.find('loop-wrong'), undefined);
    assert.deepEqual(await tmpEntries(), []);
    assert.deepEqual(await readdir(join(env.CLOUDLET_DIR, 'vms')), []);
  });

  it('synthesis from an http URL streams the overlay into synthesis and resumes the VM; bad URLs and oversized answers are refused', async () => {
    const server: Server = createServer((request, response) => {
      if (request.url !== '/tiny.overlay.zip') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/zip' });
      createReadStream(overlayPath).pipe(response);
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await cloudlet(['synthesis', 'tiny', `${url}/tiny.overlay.zip`, '--name', 'loop-url', '--json'], { env });
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.json.some((event) => event.kind === 'bytes' && event.phase === 'receive'), 'the overlay was applied as it arrived');
      const [{ origin }] = (await cloudlet(['list', '--json'], { env })).json[0] as unknown as Array<{ origin: { overlay: string; overlaySha256: string } }>;
      assert.deepEqual([origin.overlay, origin.overlaySha256], [`${url}/tiny.overlay.zip`, await sha256File(overlayPath)], 'a download is hashed as it is written');
      assert.equal((await cloudlet(['destroy', 'loop-url'], { env })).code, 0);

      await assert.rejects(downloadOverlay(`${url}/tiny.overlay.zip`, join(host.scratch, 'capped.zip'), { maxBytes: 1000 }), OverlayDownloadError);
      await assert.rejects(stat(join(host.scratch, 'capped.zip')), { code: 'ENOENT' });
      await assert.rejects(downloadOverlay(`${url}/missing.zip`, join(host.scratch, 'missing.zip')), (error: unknown) => error instanceof OverlayDownloadError && error.status === 404);
      for (const bad of ['ftp://127.0.0.1/x.zip', `${url}/missing.zip`, 'http://127.0.0.1:9/x.zip']) {
        const refused = await cloudlet(['synthesis', 'tiny', bad], { env });
        assert.equal(refused.code, 1, bad);
        assert.match(refused.stderr, /cannot download the overlay/);
      }
    } finally {
      server.close();
    }
    assert.equal(await libvirt.find('loop-url'), undefined);
    assert.deepEqual(await tmpEntries(), []);
    assert.deepEqual(await readdir(join(env.CLOUDLET_DIR, 'vms')), []);
  });
});
