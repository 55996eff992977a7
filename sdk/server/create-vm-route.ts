/**
 * `POST /v1/vms`: a VM from an overlay, streamed in the body (`application/octet-stream`, base and
 * name in the query) or fetched by the server (`application/json` `{base, name, overlay_url}`).
 * Everything that can be refused is refused before a byte of the body is read, each answer closing
 * the connection so the body is not drained: a missing Content-Length (411), one above the limit
 * or above what an overlay of the base can hold (413), an unknown base (404), no free synthesis
 * slot (429 with Retry-After). Then the answer is 200 with the progress as NDJSON
 * (progress-stream.ts). A client that goes away aborts the synthesis, whose abort path leaves no
 * VM and no files.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { BaseRegistry, type BaseVm } from '../base/index.js';
import type { CloudletError } from '../errors/cloudlet-error.js';
import { overlaySizeBound, synthesizeVm, synthesizeVmFromStream, type DownloadPolicy, type LaunchedVm, type SynthesizeVmOptions } from '../vms/index.js';
import { checkVmName } from '../vms/vm-name.js';
import { CREATE_FROM_URL, CREATE_QUERY, ERROR } from './api-schemas.js';
import { refuseEarly } from './auth-hook.js';
import { NDJSON, ProgressStream } from './progress-stream.js';
import type { SynthesisSlots } from './synthesis-slots.js';

export interface CreateRouteOptions {
  cloudletDir?: string;
  libvirtUri?: string;
  slots: SynthesisSlots;
  maxOverlayBytes: number;
  retryAfterSeconds: number;
  /** Limits of URL fetches (the size is also capped at maxOverlayBytes). */
  download: DownloadPolicy;
  /** Syntheses in flight and their ends, aborted and awaited when the server stops. */
  running: Map<AbortController, Promise<void>>;
}

const OCTET_STREAM = 'application/octet-stream';

export function addCreateVmRoute(app: FastifyInstance, options: CreateRouteOptions): void {
  // The body is left unread here: the handler streams it once every check passed.
  app.addContentTypeParser(OCTET_STREAM, (_request, _payload, done) => done(null));
  app.post('/v1/vms', {
    schema: {
      querystring: { ...CREATE_QUERY, required: [] },
      body: { content: { 'application/json': { schema: CREATE_FROM_URL } } },
      response: { '4xx': ERROR },
    },
  }, async (request, reply) => {
    const upload = request.headers['content-type']?.split(';')[0]?.trim().toLowerCase() === OCTET_STREAM;
    const input = upload ? (request.query as { base?: string; name?: string }) : (request.body as { base: string; name?: string; overlay_url: string } | undefined);
    if (!input?.base) return refuseEarly(reply, 400, 'usage', upload ? 'the query needs base=… (and may give name=…)' : `send the overlay as ${OCTET_STREAM} with ?base=…, or JSON {base, name, overlay_url}`);
    if (input.name !== undefined) {
      const bad = catching(() => checkVmName(input.name!));
      if (bad) return refuseEarly(reply, 400, bad.code, bad.message);
    }
    const registry = await BaseRegistry.open(options);
    const base = await registry.resolve(input.base).catch((error: unknown) => error as CloudletError);
    if (base instanceof Error) return refuseEarly(reply, base.code === 'base-not-found' ? 404 : 400, base.code, base.message);
    if (upload) {
      const refused = checkLength(request, reply, base, options.maxOverlayBytes);
      if (refused) return refused;
    }
    const release = options.slots.tryTake();
    if (!release) {
      request.outcome = 'busy';
      return refuseEarly(reply, 429, 'server-busy', `${options.slots.max} syntheses are running, the most this server runs at once; try again later`, { 'retry-after': String(options.retryAfterSeconds) });
    }
    const stream = new ProgressStream();
    const abort = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) abort.abort(new DOMException('the client went away', 'AbortError'));
    });
    const synthesis: SynthesizeVmOptions = {
      ...(options.cloudletDir !== undefined ? { cloudletDir: options.cloudletDir } : {}),
      ...(options.libvirtUri !== undefined ? { libvirtUri: options.libvirtUri } : {}),
      ...(input.name !== undefined ? { name: input.name } : {}),
      signal: abort.signal,
      onProgress: stream.progress,
    };
    const download = { ...options.download, maxBytes: Math.min(options.download.maxBytes ?? Infinity, options.maxOverlayBytes) };
    // Pipelined: each blob is verified and applied while the next is still arriving, from the body or the URL.
    const work = upload
      ? synthesizeVmFromStream(base.id, request.raw as Readable, { ...synthesis, download, declaredBytes: Number(request.headers['content-length']), origin: 'upload' })
      : synthesizeVm(base.id, (input as { overlay_url: string }).overlay_url, { ...synthesis, download });
    options.running.set(abort, finish(work, stream, request, reply.raw, abort).finally(() => {
      release();
      options.running.delete(abort);
    }));
    return reply.code(200).type(NDJSON).send(stream.body);
  });
}

/** 411 without a Content-Length (chunked), 413 above the limit or the base's bound; undefined when the length is fine. */
function checkLength(request: FastifyRequest, reply: FastifyReply, base: BaseVm, maxOverlayBytes: number): FastifyReply | undefined {
  const declared = request.headers['content-length'];
  if (declared === undefined || !/^\d+$/.test(declared)) return refuseEarly(reply, 411, 'server-length-required', 'send the overlay with a Content-Length (not chunked): its size is checked before it is read');
  const limit = Math.min(maxOverlayBytes, overlaySizeBound(base));
  if (Number(declared) > limit) {
    const why = limit === maxOverlayBytes ? 'this server\'s --max-overlay-bytes' : `the most an overlay of base ${base.name} can hold`;
    return refuseEarly(reply, 413, 'server-overlay-too-large', `the overlay is ${declared} bytes, more than ${limit} (${why})`);
  }
  return undefined;
}

async function finish(work: Promise<LaunchedVm>, stream: ProgressStream, request: FastifyRequest, response: ServerResponse, abort: AbortController): Promise<void> {
  try {
    const vm = await work;
    request.outcome = `vm ${vm.name} (${vm.id}) created`;
    stream.result(vm);
  } catch (error) {
    request.outcome = abort.signal.aborted ? `aborted: ${(abort.signal.reason as Error).message}` : `failed: ${(error as { code?: string }).code ?? 'internal'}`;
    // The rest of a refused body is not read: the connection ends once the answer is out.
    if (!request.raw.complete) response.once('finish', () => request.raw.destroy());
    stream.error(error);
  }
}

function catching(check: () => void): CloudletError | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error as CloudletError;
  }
}
