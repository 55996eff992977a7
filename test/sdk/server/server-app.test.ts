// The server's routes and authentication without libvirt: fastify's inject() drives the app that
// `cloudlet serve` listens with; tokens, the TLS identity and the OpenAPI document are real.
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildServerApp } from '../../../sdk/server/server.js';
import { loadTlsIdentity, TokenStore } from '../../../sdk/server/index.js';
import { cloudlet } from '../cli/cli-harness.js';

describe('the synthesis server app: tokens, routes, OpenAPI', () => {
  let dir: string;
  let app: Awaited<ReturnType<typeof buildServerApp>>;
  let token: string;
  const logs: Array<Record<string, unknown>> = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cloudlet-server-app-'));
    const tls = await loadTlsIdentity({ cloudletDir: dir });
    token = await (await TokenStore.open({ cloudletDir: dir })).create('ci');
    app = await buildServerApp({ cloudletDir: dir, tls, log: (record) => logs.push(record) });
  });

  after(async () => {
    await app.app.close();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string, bearer?: string) => app.app.inject({ method: 'GET', url, headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });

  it('the self-signed pair is made once, private, and its fingerprint is what clients pin', async () => {
    const first = await loadTlsIdentity({ cloudletDir: dir });
    const again = await loadTlsIdentity({ cloudletDir: dir });
    assert.equal(first.fingerprint, again.fingerprint);
    assert.match(first.fingerprint, /^SHA256:[A-Za-z0-9+/]{43}$/);
    assert.equal(first.selfSigned, true);
    for (const file of [first.keyFile, first.certFile, join(dir, 'server', 'tokens.json')]) assert.equal((await stat(file)).mode & 0o777, 0o600, file);
    assert.equal((await stat(join(dir, 'server'))).mode & 0o777, 0o700);
    await assert.rejects(loadTlsIdentity({ certFile: first.certFile }), { code: 'server-tls-identity' });
  });

  it('no token, a wrong one, one in the query: 401 with Connection: close; health and the OpenAPI document need none', async () => {
    for (const bearer of [undefined, 'clt_wrong', `${token}x`]) {
      const answer = await get('/v1/vms', bearer);
      assert.equal(answer.statusCode, 401, String(bearer));
      assert.equal(answer.headers.connection, 'close');
      assert.equal(answer.json().error.code, 'server-unauthorized');
    }
    assert.equal((await get(`/v1/vms?token=${token}`)).statusCode, 401);
    assert.equal((await get('/v1/health')).json().status, 'ok');
    assert.equal((await get('/v1/openapi.json')).json().openapi, '3.1.0');
  });

  it('a revoked token is refused by the running server, without a restart', async () => {
    const later = await (await TokenStore.open({ cloudletDir: dir })).create('later');
    assert.equal((await get('/v1/bases', later)).statusCode, 200);
    const revoked = await cloudlet(['token', 'revoke', 'later'], { env: { CLOUDLET_DIR: dir } });
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal((await get('/v1/bases', later)).statusCode, 401);
    assert.equal((await get('/v1/bases', token)).statusCode, 200);
  });

  it('every route the server has is in the OpenAPI document, and the document has no other', async () => {
    const document = (await get('/v1/openapi.json')).json() as { paths: Record<string, Record<string, unknown>> };
    const documented = Object.entries(document.paths).flatMap(([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    assert.deepEqual([...app.routes].sort(), documented.sort());
  });

  it('refuses unknown JSON keys and bad VM names with 400; unknown routes with 404 naming the routes', async () => {
    const post = (payload: object) => app.app.inject({ method: 'POST', url: '/v1/vms', headers: { authorization: `Bearer ${token}` }, payload });
    assert.equal((await post({ base: 'x', overlay_url: 'http://a/b', extra: 1 })).statusCode, 400);
    assert.equal((await post({ base: 'x', overlay_url: 'ftp://a/b' })).statusCode, 400);
    assert.equal((await post({ base: 'x', name: '12345', overlay_url: 'http://a/b' })).json().error.code, 'launch-vm-name');
    assert.equal((await post({ base: 'nope', overlay_url: 'http://a/b' })).statusCode, 404);
    const missing = await get('/v2/x', token);
    assert.equal(missing.statusCode, 404);
    assert.match(missing.json().error.message, /GET \/v1\/health/);
  });

  it('token create prints the token once, list shows names only, names are checked; no log line holds a token', async () => {
    const env = { CLOUDLET_DIR: dir };
    const made = await cloudlet(['token', 'create', 'ops-1'], { env });
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /^clt_[A-Za-z0-9_-]{43}\n$/);
    const listed = await cloudlet(['token', 'list', '--json'], { env });
    assert.deepEqual((listed.json[0] as unknown as Array<{ name: string }>).map((t) => t.name), ['ci', 'ops-1']);
    assert.doesNotMatch(listed.stdout, /clt_/);
    assert.equal((await cloudlet(['token', 'create', 'ops-1'], { env })).code, 1);
    assert.equal((await cloudlet(['token', 'create', 'bad name'], { env })).code, 2);
    assert.equal((await cloudlet(['token', 'revoke', 'nobody'], { env })).code, 1);
    assert.ok(logs.length > 5);
    assert.ok(logs.every((line) => !JSON.stringify(line).includes('clt_')), 'no token in the logs');
    assert.deepEqual(Object.keys(logs[0]!).sort(), ['client', 'durationMs', 'method', 'result', 'route', 'status', 'time', 'token']);
  });
});
