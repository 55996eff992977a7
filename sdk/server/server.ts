/**
 * `cloudlet serve`: the synthesis server, on fastify over HTTPS only. Plain HTTP is not offered at
 * all: the bearer tokens would cross the network readable, and a self-signed certificate pinned by
 * its fingerprint costs the operator nothing. At start it finishes what a killed server (or any
 * killed command) left: staging directories of dead owners (half-written uploads included) and
 * the domains they name (sdk/base/sweep-stale.ts). Slow clients cannot hold a connection: the
 * headers must arrive within headersMs, the whole request within requestMs, and no connection may
 * stay silent longer than idleMs. Stopping aborts the syntheses in flight and waits for their
 * cleanup.
 */
import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { LibvirtConnection } from '../../native/libvirt/index.js';
import { sweepStaleDomains, type CloudletDirOptions } from '../base/index.js';
import { CloudletError, errorData } from '../errors/cloudlet-error.js';
import { DEFAULT_DOWNLOAD_POLICY, VmRegistry, type DownloadPolicy } from '../vms/index.js';
import { addTokenAuth } from './auth-hook.js';
import { addCreateVmRoute } from './create-vm-route.js';
import { openApiDocument } from './openapi.js';
import { addReadRoutes } from './read-routes.js';
import { addRequestLog, stdoutLog, type LogSink } from './request-log.js';
import { SynthesisSlots } from './synthesis-slots.js';
import { TokenStore } from './token-store.js';

/** How long a client may take; every field has a default (DEFAULT_TIMEOUTS). */
export interface ServerTimeouts {
  /** Until the request's headers are in; default 10 s. */
  headersMs: number;
  /** Until the whole request (the upload) is in; default 30 min, an 8 GiB overlay at 38 Mbps. */
  requestMs: number;
  /** Longest silence of a connection, either way; default 60 s. */
  idleMs: number;
  /** An idle kept-alive connection is closed after this; default 5 s. */
  keepAliveMs: number;
}

export const DEFAULT_TIMEOUTS: ServerTimeouts = { headersMs: 10_000, requestMs: 30 * 60_000, idleMs: 60_000, keepAliveMs: 5_000 };
export const DEFAULT_PORT = 8021;
export const DEFAULT_MAX_CONCURRENT = 2;

export interface ServeOptions extends CloudletDirOptions {
  /** PEM certificate and key (loadTlsIdentity). */
  tls: { cert: Buffer; key: Buffer };
  /** Default 0.0.0.0. */
  host?: string;
  /** Default 8021; 0 picks a free port. */
  port?: number;
  /** Syntheses at once; more get 429. Default 2. */
  maxConcurrent?: number;
  /** Largest overlay accepted, uploaded or fetched; default 16 GiB (DEFAULT_MAX_DOWNLOAD_BYTES). */
  maxOverlayBytes?: number;
  /** Limits of URL fetches; `publicOnly` keeps token holders from making the server fetch internal addresses. */
  download?: DownloadPolicy;
  timeouts?: Partial<ServerTimeouts>;
  /** Seconds a 429 tells the client to wait; default 10. */
  retryAfterSeconds?: number;
  /** Default qemu:///system. */
  libvirtUri?: string;
  /** Default: JSON lines on stdout. */
  log?: LogSink;
}

/** A listening server, as startServer gives it. */
export interface SynthesisServer {
  /** https://HOST:PORT as bound (the port chosen when 0 was asked). */
  url: string;
  port: number;
  /** Aborts the syntheses in flight, waits for their cleanup, closes every connection. */
  close(): Promise<void>;
}

/** @example const server = await startServer({ tls: await loadTlsIdentity(), port: 8021 }); … await server.close(); */
export async function startServer(options: ServeOptions): Promise<SynthesisServer> {
  await sweep(options, options.log ?? stdoutLog);
  const { app, running } = await buildServerApp(options);
  await app.listen({ host: options.host ?? '0.0.0.0', port: options.port ?? DEFAULT_PORT });
  const { address, port } = app.server.address() as AddressInfo;
  return {
    url: `https://${address.includes(':') ? `[${address}]` : address}:${port}`,
    port,
    close: async () => {
      for (const abort of running.keys()) abort.abort(new DOMException('the server is stopping', 'AbortError'));
      await Promise.all(running.values());
      await app.close();
    },
  };
}

/** The server's fastify instance, ready but not listening, its routes (`GET /v1/health`, …) and the syntheses in flight. */
export async function buildServerApp(options: ServeOptions): Promise<{ app: FastifyInstance; routes: string[]; running: Map<AbortController, Promise<void>> }> {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const sdk = {
    ...(options.cloudletDir !== undefined ? { cloudletDir: options.cloudletDir } : {}),
    ...(options.libvirtUri !== undefined ? { libvirtUri: options.libvirtUri } : {}),
  };
  const tokens = await TokenStore.open(sdk);
  const slots = new SynthesisSlots(options.maxConcurrent ?? DEFAULT_MAX_CONCURRENT);
  const running = new Map<AbortController, Promise<void>>();
  const routes: string[] = [];
  const app: FastifyInstance = Fastify({
    https: { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2', headersTimeout: timeouts.headersMs, connectionsCheckingInterval: 1000 } as never,
    logger: false,
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    return503OnClosing: true,
    exposeHeadRoutes: false,
    ajv: { customOptions: { removeAdditional: false } },
  });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push(`${method} ${route.url}`);
  });
  addRequestLog(app, options.log ?? stdoutLog);
  addTokenAuth(app, tokens);
  app.setErrorHandler((error: FastifyError | CloudletError, request, reply) => {
    const status = statusOf(error);
    request.outcome = `failed: ${error.code ?? 'internal'}`;
    const data = error instanceof CloudletError ? errorData(error) : { code: error.code ?? 'internal', message: error.message };
    return reply.code(status).send({ error: data });
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send({ error: { code: 'server-no-route', message: `no route ${request.method} ${request.url.split('?')[0]}; the routes are ${routes.join(', ')}` } }));
  addReadRoutes(app, { ...sdk, slots });
  addCreateVmRoute(app, {
    ...sdk,
    slots,
    running,
    maxOverlayBytes: options.maxOverlayBytes ?? DEFAULT_DOWNLOAD_POLICY.maxBytes,
    retryAfterSeconds: options.retryAfterSeconds ?? 10,
    download: options.download ?? {},
  });
  const document = openApiDocument();
  app.get('/v1/openapi.json', async () => document);
  await app.ready();
  return { app, routes, running };
}

/** HTTP status of a failed request: fastify's own (validation 400, …), 404 for what does not exist, 409 for a name taken, 400 for usage, else 500. */
function statusOf(error: FastifyError | CloudletError): number {
  if ('statusCode' in error && typeof error.statusCode === 'number') return error.statusCode;
  if (!(error instanceof CloudletError)) return 500;
  if (['launch-vm-not-found', 'base-not-found'].includes(error.code)) return 404;
  if (['launch-vm-exists', 'launch-vm-ambiguous', 'base-ambiguous', 'launch-vm-domain-mismatch'].includes(error.code)) return 409;
  return error.category === 'usage' ? 400 : 500;
}

/** Removes what killed commands left: staging directories of dead owners and the domains they name. */
async function sweep(options: CloudletDirOptions & { libvirtUri?: string }, log: LogSink): Promise<void> {
  const registry = await VmRegistry.open(options);
  const libvirt = await LibvirtConnection.open(options.libvirtUri);
  try {
    await sweepStaleDomains(registry.bases, libvirt, (event) => {
      if (event.kind === 'warning') log({ time: new Date().toISOString(), event: 'sweep-warning', message: event.message });
    });
  } finally {
    await libvirt.close().catch(() => undefined);
  }
}
