/**
 * The synthesis server's client, for programs and for `cloudlet synthesis --server`: synthesize a
 * VM on a remote cloudlet from a local overlay file (streamed, with its Content-Length) or from a
 * URL the server fetches, with the server's progress events passed to `onProgress` as they
 * arrive; list its bases and VMs; destroy a VM. Errors: ServerUnreachableError, PinMismatchError,
 * and RemoteServerError carrying the server's error code (`server-busy` with retryAfterSeconds on
 * 429, `server-unauthorized` on 401, or the SDK's code of a failed synthesis).
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { pipeline, type Readable } from 'node:stream';
import { RateLimit } from '../files/rate-limit.js';
import type { ProgressListener } from '../progress/index.js';
import { isOverlayUrl } from '../vms/index.js';
import { readJson, sendRequest, type RemoteServerOptions } from './client-request.js';
import { RemoteServerError, ServerUnreachableError } from './errors.js';
import type { ApiVm } from './progress-stream.js';

export type { RemoteServerOptions } from './client-request.js';
export type { ApiVm } from './progress-stream.js';

export interface RemoteSynthesisOptions extends RemoteServerOptions {
  /** The VM's name; default the server's cloudlet-vm-<id>. */
  name?: string;
  onProgress?: ProgressListener;
  /** Send a local overlay at most this fast (bytes per second), leaving the link's rest to other work. */
  bytesPerSecond?: number;
}

/** A base VM the server has, as GET /v1/bases lists it. */
export interface RemoteBase {
  id: string;
  name: string;
  createdAt: string;
  diskSize: number;
  memoryMiB: number;
  vcpus: number;
}

/**
 * Synthesizes base `base` (ID, prefix or name on the server) + `overlay` (a local file, or an
 * http(s) URL the server fetches) on the server, and resolves with the resumed VM.
 *
 * @example const vm = await remoteSynthesize('tiny', 'app.overlay.zip', { server: 'https://lab1:8021', token, pin: 'SHA256:…', name: 'app1', onProgress: console.log });
 */
export async function remoteSynthesize(base: string, overlay: string, options: RemoteSynthesisOptions): Promise<ApiVm> {
  let response;
  if (isOverlayUrl(overlay)) {
    const body = JSON.stringify({ base, ...(options.name !== undefined ? { name: options.name } : {}), overlay_url: overlay });
    response = await sendRequest(options, { method: 'POST', path: '/v1/vms', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, body });
  } else {
    const { size } = await stat(overlay);
    const query = new URLSearchParams({ base, ...(options.name !== undefined ? { name: options.name } : {}) });
    response = await sendRequest(options, { method: 'POST', path: `/v1/vms?${query}`, headers: { 'content-type': 'application/octet-stream', 'content-length': size }, body: uploadBody(overlay, options.bytesPerSecond) });
  }
  if (response.statusCode !== 200) {
    await readJson(options, response);
    throw new ServerUnreachableError(options.server, `it answered ${response.statusCode} instead of a progress stream`);
  }
  try {
    for await (const line of createInterface({ input: response, crlfDelay: Infinity })) {
      if (line === '') continue;
      const event = JSON.parse(line) as { kind: string; vm?: ApiVm; error?: { code: string; message: string } };
      if (event.kind === 'result') return event.vm!;
      if (event.kind === 'error') throw new RemoteServerError(options.server, 200, event.error!.code, event.error!.message);
      const { v: _version, ...progress } = event as { v?: number };
      options.onProgress?.(progress as Parameters<ProgressListener>[0]);
    }
  } catch (error) {
    options.signal?.throwIfAborted();
    if (error instanceof RemoteServerError) throw error;
    throw new ServerUnreachableError(options.server, `the connection broke during the synthesis (${(error as Error).message}); the server aborts a synthesis whose client is gone: list its VMs to be sure`, { cause: error });
  }
  options.signal?.throwIfAborted();
  throw new ServerUnreachableError(options.server, 'the connection ended before the synthesis\'s result');
}

function uploadBody(overlay: string, bytesPerSecond: number | undefined): Readable {
  const file = createReadStream(overlay);
  // pipeline: a read error destroys the limiter, whose error ends the request.
  return bytesPerSecond === undefined ? file : pipeline(file, new RateLimit(bytesPerSecond), () => undefined);
}

/** @example for (const vm of await remoteListVms({ server, token, pin })) console.log(vm.name, vm.state); */
export async function remoteListVms(options: RemoteServerOptions): Promise<ApiVm[]> {
  return ((await readJson(options, await sendRequest(options, { method: 'GET', path: '/v1/vms' }))) as { vms: ApiVm[] }).vms;
}

/** The base VMs the server has, oldest first. */
export async function remoteListBases(options: RemoteServerOptions): Promise<RemoteBase[]> {
  return ((await readJson(options, await sendRequest(options, { method: 'GET', path: '/v1/bases' }))) as { bases: RemoteBase[] }).bases;
}

/** Destroys VM `name` (name, ID or ID prefix) on the server. */
export async function remoteDestroyVm(name: string, options: RemoteServerOptions): Promise<{ name: string; id: string }> {
  return ((await readJson(options, await sendRequest(options, { method: 'DELETE', path: `/v1/vms/${encodeURIComponent(name)}` }))) as { destroyed: { name: string; id: string } }).destroyed;
}

/** The server's health answer (no token needed, but one is sent if given). */
export async function remoteHealth(options: RemoteServerOptions): Promise<{ status: 'ok'; version: string; synthesesRunning: number; maxConcurrent: number }> {
  return (await readJson(options, await sendRequest(options, { method: 'GET', path: '/v1/health' }))) as never;
}
