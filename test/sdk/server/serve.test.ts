// `cloudlet serve` end to end: the real server as a child process on loopback over TLS, the real
// client, libvirtd and QEMU, the cached base archive + overlay pair (test/fixtures/hosts/remote-pair.ts:
// a base saved while its RAM counter runs, an overlay whose VM runs a second counter).
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { LibvirtConnection } from '../../../native/libvirt/index.js';
import { PinMismatchError, RemoteServerError, ServerUnreachableError, TokenStore, remoteDestroyVm, remoteHealth, remoteListBases, remoteListVms, remoteSynthesize, type ApiVm, type RemoteServerOptions } from '../../../sdk/server/index.js';
import { prepareLibvirtHost, type LibvirtHost } from '../../fixtures/bootable-disk/index.js';
import { remotePair, type RemotePair } from '../../fixtures/hosts/remote-pair.js';
import { cloudlet } from '../cli/cli-harness.js';
import { rawExchange, startServe, type ServeProcess } from './serve-process.js';

const MAX_OVERLAY = 10 * 2 ** 20;

describe('cloudlet serve: VM synthesis over HTTPS', () => {
  let host: LibvirtHost;
  let libvirt: LibvirtConnection;
  let pair: RemotePair;
  let dir: string;
  let server: ServeProcess;
  let token: string;
  let revoked: string;
  let tokenFile: string;
  let remote: RemoteServerOptions;

  before(async () => {
    [host, pair] = await Promise.all([prepareLibvirtHost('serve-'), remotePair()]);
    libvirt = await LibvirtConnection.open();
    dir = join(host.scratch, 'cloudlet');
    const imported = await cloudlet(['import-base', pair.baseArchive], { env: { CLOUDLET_DIR: dir } });
    assert.equal(imported.code, 0, imported.stderr);
    const tokens = await TokenStore.open({ cloudletDir: dir });
    token = await tokens.create('ci');
    revoked = await tokens.create('gone');
    await tokens.revoke('gone');
    tokenFile = join(host.scratch, 'ci.token');
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 });
    server = await startServe(dir, ['--max-concurrent', '2', '--max-overlay-bytes', String(MAX_OVERLAY)]);
    remote = { server: server.url, token, pin: server.fingerprint };
  });

  after(async () => {
    try {
      await server?.stop();
      for (const name of (await libvirt.names()).filter((n) => n.startsWith('srv-'))) {
        const domain = await libvirt.find(name);
        if (domain) await libvirt.remove(domain).catch(() => undefined);
      }
      await libvirt.close();
    } finally {
      await host.release();
    }
  });

  const entries = (sub: string) => readdir(join(dir, sub));
  async function assertNothingLeft(what: string): Promise<void> {
    for (let waited = 0; (await entries('tmp')).length > 0 && waited < 15_000; waited += 200) await sleep(200);
    assert.deepEqual(await entries('tmp'), [], `${what}: no work directory left`);
    assert.deepEqual(await entries('vms'), [], `${what}: no VM registered`);
    assert.deepEqual((await libvirt.names()).filter((name) => name.startsWith('srv-')), [], `${what}: no domain`);
  }

  /** Waits until the server logged one more create request than `before`: it is done with it, cleanup included. */
  const creates = () => server.logs().filter((line) => line.method === 'POST').length;
  async function settled(before: number): Promise<void> {
    for (let waited = 0; creates() <= before && waited < 15_000; waited += 50) await sleep(50);
  }

  /** The VM resumed where the overlay's VM was saved: both RAM counters go on within a few seconds of the save. */
  async function assertResumed(vm: ApiVm): Promise<void> {
    let log = '';
    const first = (re: RegExp) => Number(re.exec(log)?.[1] ?? NaN);
    for (let waited = 0; !(first(/^CUSTOM (\d+)\r?$/m) > 0 && first(/^COUNTER (\d+) UPTIME/m) > 0) && waited < 30_000; waited += 250) {
      await sleep(250);
      log = await readFile(vm.console, 'latin1');
    }
    const [counter, custom] = [first(/^COUNTER (\d+) UPTIME/m), first(/^CUSTOM (\d+)\r?$/m)];
    assert.ok(counter > pair.savedCounter && counter <= pair.savedCounter + 3, `${vm.name}: COUNTER went on: ${pair.savedCounter} then ${counter}`);
    assert.ok(custom > pair.savedCustom && custom <= pair.savedCustom + 3, `${vm.name}: CUSTOM went on: ${pair.savedCustom} then ${custom}`);
    assert.doesNotMatch(log, /GUEST-BOOTED/, 'no boot');
  }

  const upload = (query: string, bearer: string | undefined, length: number, extra = '') =>
    `POST /v1/vms?${query} HTTP/1.1\r\nHost: 127.0.0.1\r\n${bearer ? `Authorization: Bearer ${bearer}\r\n` : ''}Content-Type: application/octet-stream\r\nContent-Length: ${length}\r\n${extra}\r\n`;

  it('no token, a wrong one, a revoked one: 401 before the body, the connection closed unread; 411 and 413 likewise; nothing started', async () => {
    for (const [bearer, status] of [[undefined, 401], ['clt_wrong', 401], [revoked, 401]] as const) {
      const answer = await rawExchange(server.port, upload('base=tiny&name=srv-x', bearer, 100_000_000));
      assert.match(answer.text, new RegExp(`^HTTP/1.1 ${status} `), String(bearer));
      assert.ok(answer.closedByServer, 'the server closed the connection without waiting for the 100 MB body');
    }
    const chunked = await rawExchange(server.port, upload('base=tiny', token, 0, '').replace('Content-Length: 0\r\n', 'Transfer-Encoding: chunked\r\n'));
    assert.match(chunked.text, /^HTTP\/1.1 411 /);
    const large = await rawExchange(server.port, upload('base=tiny', token, MAX_OVERLAY + 1));
    assert.match(large.text, /^HTTP\/1.1 413 /);
    assert.ok(large.closedByServer);
    await assertNothingLeft('refused requests');
    assert.ok(server.logs().filter((line) => line.status === 401).every((line) => line.token === null));
  });

  it('pinning: the printed fingerprint is accepted, another refused before anything is sent, no pin needs a CA', async () => {
    assert.equal((await remoteHealth(remote)).status, 'ok');
    assert.deepEqual((await remoteListBases(remote)).map((base) => base.id), [pair.baseId]);
    const wrong = `SHA256:${'A'.repeat(43)}`;
    await assert.rejects(remoteHealth({ ...remote, pin: wrong }), (error: unknown) => error instanceof PinMismatchError && error.actual === server.fingerprint);
    const { pin: _pin, ...unpinned } = remote;
    await assert.rejects(remoteListVms(unpinned), ServerUnreachableError);
  });

  it('cloudlet list-base, list and destroy with --server: the local tables from the server; its refusals are typed errors', async () => {
    const via = ['--server', server.url, '--token-file', tokenFile, '--pin', server.fingerprint];
    const bases = await cloudlet(['list-base', ...via]);
    assert.equal(bases.code, 0, bases.stderr);
    assert.match(bases.stdout, new RegExp(`^ID +NAME +MEMORY +DISK +SAVED UNDER +CREATED\\n${pair.baseId.slice(0, 12)} +${pair.baseName} +\\d+ MiB +\\d+ MiB +- +\\d{4}-`));
    assert.deepEqual(((await cloudlet(['list-base', ...via, '--json'])).json[0] as unknown as Array<{ id: string }>).map((base) => base.id), [pair.baseId]);
    assert.equal((await cloudlet(['list', ...via])).stdout, `no VMs on ${server.url} (cloudlet synthesis <base> <overlay> --server … makes one)\n`);

    const error = (run: { code: number | null; json: Array<Record<string, unknown>> }) => {
      assert.equal(run.code, 1);
      return run.json.at(-1)!.error as Record<string, unknown>;
    };
    const missing = error(await cloudlet(['destroy', 'srv-none', ...via, '--json']));
    assert.deepEqual([missing.code, missing.remoteCode, missing.status], ['server-remote-error', 'launch-vm-not-found', 404]);
    const wrongFile = join(host.scratch, 'wrong.token');
    await writeFile(wrongFile, 'clt_wrong\n', { mode: 0o600 });
    const refused = error(await cloudlet(['list', '--server', server.url, '--token-file', wrongFile, '--pin', server.fingerprint, '--json']));
    assert.deepEqual([refused.code, refused.remoteCode, refused.status], ['server-remote-error', 'server-unauthorized', 401]);
    assert.match(String(refused.message), /answered 401: the token is not valid/);
    const pinned = error(await cloudlet(['list', '--server', server.url, '--token-file', tokenFile, '--pin', `SHA256:${'A'.repeat(43)}`, '--json']));
    assert.deepEqual([pinned.code, pinned.actual], ['server-pin-mismatch', server.fingerprint]);
    assert.equal(error(await cloudlet(['list-base', '--server', 'https://127.0.0.1:1', '--token-file', tokenFile, '--pin', server.fingerprint, '--json'])).code, 'server-unreachable');
    const local = await cloudlet(['destroy', 'x', ...via, '--cloudlet-dir', dir]);
    assert.equal(local.code, 2);
    assert.match(local.stderr, /--cloudlet-dir apply to this host, not with --server/);
  });

  it('two concurrent pushes (the CLI and the SDK client) both resume their VM; a third beyond the limit gets 429', async () => {
    let cliStarted = false;
    let sdkStarted = false;
    const cli = cloudlet(['synthesis', '--server', server.url, '--token-file', tokenFile, '--pin', server.fingerprint, pair.baseName, pair.overlay, '--name', 'srv-a', '--json'], {
      onOutput: (text) => (cliStarted ||= text.includes('"kind"')),
    });
    const sdk = remoteSynthesize(pair.baseName, pair.overlay, { ...remote, name: 'srv-b', onProgress: () => (sdkStarted = true) });
    for (let waited = 0; !(cliStarted && sdkStarted) && waited < 20_000; waited += 50) await sleep(50);
    await assert.rejects(remoteSynthesize(pair.baseName, pair.overlay, { ...remote, name: 'srv-c' }), (error: unknown) => {
      assert.ok(error instanceof RemoteServerError);
      assert.deepEqual([error.status, error.remoteCode, error.retryAfterSeconds], [429, 'server-busy', 10]);
      return true;
    });
    const [run, b] = await Promise.all([cli, sdk]);
    assert.equal(run.code, 0, run.stderr);
    assert.ok(run.json.some((event) => event.kind === 'bytes' && event.phase === 'receive'), 'the server\'s progress is rendered');
    const a = (run.json.at(-1) as { vm: ApiVm }).vm;
    await Promise.all([assertResumed(a), assertResumed(b)]);
    assert.deepEqual((await remoteListVms(remote)).map((vm) => [vm.name, vm.state]).sort(), [['srv-a', 'running'], ['srv-b', 'running']]);
    const via = ['--server', server.url, '--token-file', tokenFile, '--pin', server.fingerprint];
    const table = await cloudlet(['list', ...via]);
    assert.match(table.stdout, new RegExp(`^NAME +ID +STATE +BASE +FORWARDS +CONSOLE\\n(srv-[ab] +[0-9a-f]{12} +running +${pair.baseId.slice(0, 12)} +- +/\\S+console\\S*\\n){2}$`));
    const destroyed = await cloudlet(['destroy', 'srv-a', ...via]);
    assert.equal(destroyed.stdout, `destroyed srv-a (${a.id}) on ${server.url}\n`);
    assert.equal((await remoteDestroyVm('srv-b', remote)).name, 'srv-b');
    await assertNothingLeft('after destroying both');
    assert.ok(server.logs().some((line) => line.result === 'busy' && line.status === 429 && line.token === 'ci'));
  });

  it('URL mode: the server fetches the overlay and resumes the VM; a URL that fails is an error line, nothing left', async () => {
    const http = createServer((request, response) => {
      if (request.url !== '/o.zip') return void response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/zip' });
      createReadStream(pair.overlay).pipe(response);
    });
    http.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      const vm = await remoteSynthesize(pair.baseName, `${base}/o.zip`, { ...remote, name: 'srv-url' });
      await assertResumed(vm);
      await remoteDestroyVm('srv-url', remote);
      await assert.rejects(remoteSynthesize(pair.baseName, `${base}/missing.zip`, { ...remote, name: 'srv-url' }), (error: unknown) => error instanceof RemoteServerError && error.remoteCode === 'launch-overlay-download');
    } finally {
      http.close();
    }
    await assertNothingLeft('URL mode');
  });

  it('a client that disconnects mid-upload, or whose Content-Length cuts the overlay short: no VM, no files', async () => {
    const overlay = await readFile(pair.overlay);
    let before = creates();
    await rawExchange(server.port, upload(`base=${pair.baseName}&name=srv-gone`, token, overlay.length), overlay.subarray(0, overlay.length >> 1), {
      onConnected: (socket) => void (async () => {
        for (let waited = 0; !(await entries('tmp')).some((name) => name.startsWith('upload-')) && waited < 10_000; waited += 20) await sleep(20);
        socket.destroy();
      })(),
    });
    await settled(before);
    await assertNothingLeft('disconnected mid-upload');
    for (let waited = 0; !server.logs().some((line) => String(line.result).startsWith('aborted')) && waited < 5000; waited += 100) await sleep(100);
    assert.ok(server.logs().some((line) => String(line.result).startsWith('aborted')), 'the abort is logged');

    // Bytes past the Content-Length are a malformed next request to Node's parser: 400, and the connection (with the synthesis) goes.
    before = creates();
    const longer = await rawExchange(server.port, upload(`base=${pair.baseName}&name=srv-long`, token, overlay.length - 1000), overlay);
    assert.doesNotMatch(longer.text, /"kind":"result"/);
    await settled(before);
    await assertNothingLeft('a body longer than its Content-Length');
    before = creates();
    const shorter = await rawExchange(server.port, upload(`base=${pair.baseName}&name=srv-short`, token, overlay.length), overlay.subarray(0, overlay.length - 1000), { onConnected: (socket) => socket.end() });
    assert.doesNotMatch(shorter.text, /"kind":"result"/);
    await settled(before);
    await assertNothingLeft('a body shorter than its Content-Length');
  });

  it('kill -9 of the server mid-upload and mid-synthesis: the next start sweeps the half state, no domain runs', async () => {
    const overlay = await readFile(pair.overlay);
    const killed = () => new Promise((resolve) => server.child.once('exit', resolve));
    // Synthesis is pipelined: the half-sent overlay is already being applied in a work directory.
    const staged = async () => (await entries('tmp')).length > 0;
    void rawExchange(server.port, upload(`base=${pair.baseName}&name=srv-killed`, token, overlay.length), overlay.subarray(0, overlay.length >> 1), {
      onConnected: () => void (async () => {
        for (let waited = 0; !(await staged()) && waited < 10_000; waited += 20) await sleep(20);
        server.child.kill('SIGKILL');
      })(),
    }).catch(() => undefined);
    await killed();
    assert.ok(await staged(), 'the upload being synthesized left its work directory');
    server = await startServe(dir, ['--max-concurrent', '2']);
    remote = { ...remote, server: server.url, pin: server.fingerprint };
    await assertNothingLeft('restart after a kill mid-upload');

    const exited = killed();
    const synthesis = remoteSynthesize(pair.baseName, pair.overlay, {
      ...remote,
      name: 'srv-killed',
      onProgress: (event) => {
        if (event.kind === 'phase-start' && event.phase === 'synthesize' && event.within === undefined) server.child.kill('SIGKILL');
      },
    });
    await assert.rejects(synthesis, ServerUnreachableError);
    await exited;
    assert.ok((await entries('tmp')).length > 0, 'the killed synthesis left its work directories');
    server = await startServe(dir);
    await assertNothingLeft('restart after a kill mid-synthesis');
    assert.equal((await remoteHealth({ ...remote, server: server.url, pin: server.fingerprint })).status, 'ok');
  });
});
