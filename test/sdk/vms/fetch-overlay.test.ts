import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DownloadResumeError, DownloadTooLargeError, fetchOverlay, OverlayChangedError, type Progress } from '../../../sdk/vms/index.js';
import { rangeFileHandler, startServer, type RangeServing, type TestServer } from './test-servers.js';

describe('fetchOverlay: an overlay URL streamed, dropped connections resumed with Range and If-Range', () => {
  const body = randomBytes(2_000_000);
  const servers: TestServer[] = [];
  after(async () => {
    await Promise.all(servers.map((server) => server.close()));
  });

  async function serve(serving: RangeServing) {
    const handler = rangeFileHandler(body, serving);
    const server = await startServer(handler);
    servers.push(server);
    return { url: `${server.origin}/vm.overlay.zip`, requests: handler.requests };
  }

  async function collect(url: string, events: Progress[] = [], options = {}): Promise<Buffer> {
    const pieces: Buffer[] = [];
    for await (const piece of fetchOverlay(url, { onProgress: (e) => events.push(e), ...options })) pieces.push(piece);
    return Buffer.concat(pieces);
  }

  it('resumes after the server cuts the connection, from the byte where it stopped, with the ETag as If-Range', async () => {
    const { url, requests } = await serve({ etag: () => '"v1"', cutAt: 700_000 });
    const events: Progress[] = [];
    assert.ok((await collect(url, events)).equals(body), 'every byte once, in order');
    assert.deepEqual(requests, [{}, { range: 'bytes=700000-', ifRange: '"v1"' }]);
    assert.equal(events.filter((e) => e.kind === 'warning').length, 1, 'the resume is reported');
  });

  it('refuses the resume when the ETag changed (the server answers 200 with the new file): nothing of it is handed out', async () => {
    let etag = '"v1"';
    const { url } = await serve({ etag: () => etag, cutAt: 500_000 });
    const received: Buffer[] = [];
    await assert.rejects(async () => {
      for await (const piece of fetchOverlay(url)) {
        received.push(piece);
        etag = '"v2"';
      }
    }, (e: unknown) => e instanceof OverlayChangedError && e.received === 500_000 && /ETag "v1" became "v2"/.test(e.message));
    assert.equal(Buffer.concat(received).length, 500_000, 'only the first connection\'s bytes were handed out');
  });

  it('says a resume is impossible when the server does not support Range, or has no validator', async () => {
    const noRanges = await serve({ etag: () => '"v1"', ranges: false, cutAt: 300_000 });
    await assert.rejects(collect(noRanges.url), (e: unknown) => e instanceof DownloadResumeError && e.reason === 'no-range' && e.received === 300_000);
    const noEtag = await serve({ etag: () => undefined, cutAt: 300_000 });
    await assert.rejects(collect(noEtag.url), (e: unknown) => e instanceof DownloadResumeError && e.reason === 'no-validator');
  });

  it('keeps the size cap across resumes', async () => {
    const { url } = await serve({ etag: () => '"v1"' });
    await assert.rejects(collect(url, [], { maxBytes: 1_000_000 }), (e: unknown) => e instanceof DownloadTooLargeError && e.declared === body.length);
  });
});
