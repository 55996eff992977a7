/** Test helpers: real local http and https servers (a self-signed certificate made by openssl), counting the connections they get. */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, globalAgent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export type Handler = (request: IncomingMessage, response: ServerResponse) => void;

export interface TestServer {
  /** e.g. http://127.0.0.1:41234 */
  origin: string;
  port: number;
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

/** A self-signed certificate for 127.0.0.1 and localhost, trusted by this process's https agent (downloads use it). */
export async function selfSignedCertificate(): Promise<{ key: Buffer; cert: Buffer }> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudlet-tls-'));
  try {
    await promisify(execFile)('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
    ]);
    const pair = { key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) };
    globalAgent.options.ca = pair.cert;
    return pair;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Starts a server on 127.0.0.1: https when given a certificate, http otherwise. */
export async function startServer(handler: Handler, tls?: { key: Buffer; cert: Buffer }): Promise<TestServer> {
  const server: Server = tls ? createHttpsServer(tls, handler) : createHttpServer(handler);
  const state = { connections: 0 };
  server.on('connection', () => state.connections++);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    get connections() {
      return state.connections;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** How rangeFileHandler serves its body. */
export interface RangeServing {
  /** The ETag sent now (a function: a test may change it); none when it returns undefined. */
  etag: () => string | undefined;
  /** Honour `Range: bytes=N-` (with If-Range); default true. Without, Accept-Ranges: none and always 200. */
  ranges?: boolean;
  /** Cut the connection of the first response after this many body bytes of the file (counted from 0), once. */
  cutAt?: number;
}

/** A file server for resumable fetches: Range and If-Range as RFC 9110 says, and one cut connection on request. Records each request's Range and If-Range. */
export function rangeFileHandler(body: Buffer, serving: RangeServing): Handler & { requests: Array<{ range?: string; ifRange?: string }> } {
  const requests: Array<{ range?: string; ifRange?: string }> = [];
  let cut = false;
  const handler = ((request, response) => {
    const range = request.headers.range;
    const ifRange = request.headers['if-range'] as string | undefined;
    requests.push({ ...(range ? { range } : {}), ...(ifRange ? { ifRange } : {}) });
    const etag = serving.etag();
    const from = /^bytes=(\d+)-$/.exec(range ?? '');
    const partial = serving.ranges !== false && from !== null && (ifRange === undefined || ifRange === etag);
    const start = partial ? Number(from![1]) : 0;
    response.writeHead(partial ? 206 : 200, {
      'content-length': body.length - start,
      'accept-ranges': serving.ranges === false ? 'none' : 'bytes',
      ...(etag ? { etag } : {}),
      ...(partial ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    if (serving.cutAt !== undefined && !cut && start < serving.cutAt) {
      cut = true;
      response.write(body.subarray(start, serving.cutAt), () => setTimeout(() => response.socket?.destroy(), 20));
      return;
    }
    response.end(body.subarray(start));
  }) as Handler & { requests: typeof requests };
  handler.requests = requests;
  return handler;
}
