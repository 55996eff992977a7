import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import {
  DownloadAddressError,
  DownloadRedirectError,
  DownloadTimeoutError,
  DownloadTooLargeError,
  downloadOverlay,
  OverlayDownloadError,
} from '../../../sdk/vms/index.js';
import { FileInTheWayError } from '../../../sdk/files/index.js';
import { selfSignedCertificate, startServer, type Handler, type TestServer } from './test-servers.js';

type ErrorClass = abstract new (...args: never[]) => Error;

describe('downloadOverlay, against real local http and https servers', () => {
  const body = randomBytes(300_000);
  let dir: string;
  let tls: { key: Buffer; cert: Buffer };
  const servers: TestServer[] = [];
  let serial = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudlet-download-'));
    tls = await selfSignedCertificate();
  });
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function serve(handler: Handler, secure = false): Promise<TestServer> {
    const server = await startServer(handler, secure ? tls : undefined);
    servers.push(server);
    return server;
  }

  /** Expects the download to fail with `type` and leave no file; returns the error. */
  async function refused<E extends Error>(url: string, type: ErrorClass, options: Parameters<typeof downloadOverlay>[2] = {}): Promise<E> {
    const path = join(dir, `refused-${serial++}.zip`);
    let caught: unknown;
    await assert.rejects(downloadOverlay(url, path, options), (error: unknown) => ((caught = error), true));
    assert.ok(caught instanceof type, `${(caught as Error).name}: ${(caught as Error).message}`);
    assert.ok(caught instanceof OverlayDownloadError);
    await assert.rejects(stat(path), { code: 'ENOENT' });
    return caught as unknown as E;
  }

  const serveBody: Handler = (_request, response) => response.writeHead(200, { 'content-length': body.length }).end(body);

  it('downloads over http and over https into a 0600 file, following a relative redirect and an upgrade to https', async () => {
    const secure = await serve((request, response) => (request.url === '/moved' ? response.writeHead(302, { location: '/vm.zip' }).end() : serveBody(request, response)), true);
    const plain = await serve((request, response) => (request.url === '/up' ? response.writeHead(301, { location: `${secure.origin}/moved` }).end() : serveBody(request, response)));
    for (const url of [`${plain.origin}/vm.zip`, `${secure.origin}/moved`, `${plain.origin}/up`]) {
      const path = join(dir, `ok-${serial++}.zip`);
      const hash = createHash('sha256');
      assert.equal(await downloadOverlay(url, path, { hash }), body.length, url);
      assert.ok((await readFile(path)).equals(body), url);
      assert.equal(hash.digest('hex'), createHash('sha256').update(body).digest('hex'), 'hash saw every byte written');
      assert.equal((await stat(path)).mode & 0o777, 0o600);
    }
  });

  it('something already at the path (a file, a planted symlink): FileInTheWayError, left as it was, nothing written through it', async () => {
    const server = await serve(serveBody);
    const existing = join(dir, `existing-${serial++}.zip`);
    await writeFile(existing, 'theirs');
    const target = join(dir, `target-${serial++}`);
    await writeFile(target, 'victim');
    const planted = join(dir, `planted-${serial++}.zip`);
    await symlink(target, planted);
    for (const path of [existing, planted]) {
      await assert.rejects(downloadOverlay(`${server.origin}/vm.zip`, path), FileInTheWayError, path);
    }
    assert.equal(await readFile(existing, 'utf8'), 'theirs');
    assert.equal(await readlink(planted), target);
    assert.equal(await readFile(target, 'utf8'), 'victim');
  });

  it('a server that accepts the connection and never answers: DownloadTimeoutError (idle)', async () => {
    const server = await serve(() => undefined);
    const error = await refused<DownloadTimeoutError>(`${server.origin}/vm.zip`, DownloadTimeoutError, { idleTimeoutMs: 300 });
    assert.deepEqual([error.limit, error.ms, error.received], ['idle', 300, 0]);
  });

  it('a slow loris that stalls in the middle of the body: DownloadTimeoutError (idle) after the bytes it sent', async () => {
    const server = await serve((_request, response) => response.writeHead(200, { 'content-length': body.length }).write(body.subarray(0, 1000)));
    const error = await refused<DownloadTimeoutError>(`${server.origin}/vm.zip`, DownloadTimeoutError, { idleTimeoutMs: 300 });
    assert.deepEqual([error.limit, error.received], ['idle', 1000]);
  });

  it('a trickle that is never idle but never ends: DownloadTimeoutError (total)', async () => {
    const server = await serve((_request, response) => {
      response.writeHead(200);
      const timer = setInterval(() => response.write('x'), 20);
      response.on('close', () => clearInterval(timer));
    });
    const started = Date.now();
    const error = await refused<DownloadTimeoutError>(`${server.origin}/vm.zip`, DownloadTimeoutError, { timeoutMs: 500, idleTimeoutMs: 5000 });
    assert.equal(error.limit, 'total');
    assert.ok(error.received > 0);
    assert.ok(Date.now() - started < 3000);
  });

  it('an endless body: DownloadTooLargeError at the cap; a declared length over the cap is refused before reading', async () => {
    const endless = await serve((_request, response) => {
      response.writeHead(200);
      const pump = () => {
        while (response.write(Buffer.alloc(65536))) ;
      };
      response.on('drain', pump);
      pump();
    });
    const error = await refused<DownloadTooLargeError>(`${endless.origin}/vm.zip`, DownloadTooLargeError, { maxBytes: 1 << 20 });
    assert.deepEqual([error.limit, error.declared], [1 << 20, undefined]);
    const declared = await serve(serveBody);
    const early = await refused<DownloadTooLargeError>(`${declared.origin}/vm.zip`, DownloadTooLargeError, { maxBytes: 1000 });
    assert.deepEqual([early.limit, early.declared], [1000, body.length]);
  });

  it('a redirect loop: DownloadRedirectError (too-many) after the allowed redirects', async () => {
    let requests = 0;
    const server = await serve((_request, response) => (requests++, response.writeHead(302, { location: '/again' }).end()));
    const error = await refused<DownloadRedirectError>(`${server.origin}/vm.zip`, DownloadRedirectError, { maxRedirects: 3 });
    assert.deepEqual([error.reason, error.limit, requests], ['too-many', 3, 4]);
  });

  it('a redirect from https to http: DownloadRedirectError (downgrade), and the http server is never contacted', async () => {
    const plain = await serve(serveBody);
    const secure = await serve((_request, response) => response.writeHead(307, { location: `${plain.origin}/vm.zip` }).end(), true);
    const error = await refused<DownloadRedirectError>(`${secure.origin}/vm.zip`, DownloadRedirectError);
    assert.deepEqual([error.reason, error.location], ['downgrade', `${plain.origin}/vm.zip`]);
    assert.equal(plain.connections, 0);
  });

  it('a redirect to another scheme: DownloadRedirectError (scheme)', async () => {
    const server = await serve((_request, response) => response.writeHead(302, { location: 'file:///etc/shadow' }).end());
    assert.equal((await refused<DownloadRedirectError>(`${server.origin}/vm.zip`, DownloadRedirectError)).reason, 'scheme');
  });

  it('--public-only: a loopback address, literal or resolved from a name, is refused before any connection', async () => {
    for (const secure of [false, true]) {
      const server = await serve(serveBody, secure);
      const scheme = secure ? 'https' : 'http';
      for (const [url, host] of [[`${server.origin}/vm.zip`, '127.0.0.1'], [`${scheme}://localhost:${server.port}/vm.zip`, 'localhost'], [`${scheme}://[::ffff:127.0.0.1]:${server.port}/vm.zip`, '::ffff:7f00:1']] as const) {
        const error = await refused<DownloadAddressError>(url, DownloadAddressError, { publicOnly: true });
        assert.equal(error.host, host, url);
      }
      assert.equal(server.connections, 0);
      // Without the option the same server is reached: the refusal was the policy's, not the network's.
      assert.equal(await downloadOverlay(`${scheme}://localhost:${server.port}/vm.zip`, join(dir, `public-${serial++}.zip`)), body.length);
    }
  });

  it('HTTP errors and dead ports: OverlayDownloadError with the status, and an error body is never read', async () => {
    const server = await serve((_request, response) => response.writeHead(404).end('not here'));
    assert.equal((await refused<OverlayDownloadError>(`${server.origin}/vm.zip`, OverlayDownloadError)).status, 404);
    await refused(`http://127.0.0.1:9/vm.zip`, OverlayDownloadError);
    await refused(`ftp://127.0.0.1/vm.zip`, OverlayDownloadError);
  });
});
