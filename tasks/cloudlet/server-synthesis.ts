// ctx.cloudlet.synthesize with `server`: the host's synthesis server (`cloudlet serve`) makes the
// VM instead of `cloudlet synthesis` over SSH. The overlay streams to it over HTTPS and is applied
// while it arrives (or the server fetches a URL); the server's progress events stream into the
// run as the SSH path's do. The token comes from a file on the operator's machine.
//
// No trust on first use: without a `pin`, the runner asks the host over the run's SSH connection,
// whose host key it verified, for the fingerprint of the self-signed certificate in its cloudlet
// directory (`cloudlet serve --print-fingerprint`), and pins that. A host without a self-signed
// pair serves an operator's certificate: the system's CAs check it, as a browser would.
import { stat } from 'node:fs/promises';
import { isIP } from 'node:net';
import { PinMismatchError, RemoteServerError, ServerUnreachableError, remoteListBases, remoteSynthesize, type RemoteBase, type RemoteServerOptions } from '../../sdk/server/index.js';
import { UsageError } from '../errors.js';
import type { TaskContext } from '../task/task-context.js';
import { RemoteCloudletError, ServerPinMismatchError, ServerTokenRefusedError, ServerUnreachableHostError } from './errors.js';
import type { RemoteCloudlet } from './remote-cloudlet.js';
import { readServerToken } from './server-token.js';
import { checkSynthesis, isUrl, type SynthesisServerOptions, type SynthesizedVm, type SynthesizeOptions } from './synthesize.js';

/** The port `cloudlet serve` listens on by default. */
const DEFAULT_PORT = 8021;

/** How the runner talks to one host's server, and where its pin came from (for the errors). */
export interface ServerRoute {
  readonly client: RemoteServerOptions;
  readonly tokenFile: string;
  readonly pinSource: 'pin-option' | 'ssh' | 'ca';
}

/** The server's URL, token and pin for this host. */
export async function serverRoute(ctx: TaskContext, remote: RemoteCloudlet, server: SynthesisServerOptions, signal?: AbortSignal): Promise<ServerRoute> {
  const address = isIP(ctx.host.address) === 6 ? `[${ctx.host.address}]` : ctx.host.address;
  const url = server.url ?? `https://${address}:${DEFAULT_PORT}`;
  const token = await readServerToken(ctx.host.name, server.tokenFile);
  const pin = server.pin ?? ((await remote.command(['serve', '--print-fingerprint']))['fingerprint'] as string | null);
  const pinSource = server.pin !== undefined ? 'pin-option' : pin !== null ? 'ssh' : 'ca';
  return { client: { server: url, token, ...(pin !== null ? { pin } : {}), ...(signal ? { signal } : {}) }, tokenFile: server.tokenFile, pinSource };
}

/** The checks before anything is sent, through the server: it answers, takes the token, has the base, and a local overlay was made from it. */
export async function checkServerSynthesis(ctx: TaskContext, route: ServerRoute, baseRef: string, overlay: string): Promise<RemoteBase> {
  const bases = await asked(ctx, route, () => remoteListBases(route.client));
  return checkSynthesis(ctx.host.name, bases, baseRef, overlay);
}

export async function synthesizeThroughServer(ctx: TaskContext, remote: RemoteCloudlet, baseRef: string, overlay: string, options: SynthesizeOptions & { readonly server: SynthesisServerOptions }): Promise<SynthesizedVm> {
  if (options.forwards?.length) throw new UsageError('port forwards are not available through the synthesis server (its API takes none): synthesize over SSH for them');
  const route = await serverRoute(ctx, remote, options.server, ctx.signal);
  const base = await checkServerSynthesis(ctx, route, baseRef, overlay);
  const size = isUrl(overlay) ? 0 : (await stat(overlay)).size;
  const started = Date.now();
  let received = started;
  const vm = await asked(ctx, route, () =>
    remoteSynthesize(base.id, overlay, {
      ...route.client,
      name: options.name,
      ...(options.bytesPerSecond ? { bytesPerSecond: options.bytesPerSecond } : {}),
      onProgress: (event) => {
        if (event.kind === 'bytes' && event.phase === 'receive') received = Date.now();
        ctx.reportProgress(event);
      },
    }),
  );
  return {
    name: vm.name,
    id: vm.id,
    base: base.id,
    resumedMs: Date.now() - started,
    console: vm.console,
    forwards: vm.ports,
    // The server took the whole body, else no VM: the upload was the file, sent once, not resumable.
    ...(size > 0 ? { upload: { sentBytes: size, resumedFrom: 0, skipped: false, durationMs: received - started } } : {}),
  };
}

/** Runs a client call, turning the SDK client's errors into the runner's, with the host and what to do. */
async function asked<T>(ctx: TaskContext, route: ServerRoute, call: () => Promise<T>): Promise<T> {
  const url = route.client.server;
  try {
    return await call();
  } catch (error) {
    const host = ctx.host.name;
    if (error instanceof PinMismatchError) throw new ServerPinMismatchError(host, url, error.pinned, error.actual, route.pinSource === 'ssh' ? 'ssh' : 'pin-option');
    if (error instanceof ServerUnreachableError) {
      const trust = route.pinSource === 'ca' ? `; ${host} has no self-signed certificate (none read over SSH), so the system's CAs had to vouch for the server's` : '';
      throw new ServerUnreachableHostError(host, url, `${error.problem}${trust}`, { cause: error });
    }
    if (error instanceof RemoteServerError && error.status === 401) throw new ServerTokenRefusedError(host, url, route.tokenFile, error.remoteMessage);
    if (error instanceof RemoteServerError) throw new RemoteCloudletError(host, `synthesis via ${url}`, error.remoteCode, error.name, error.remoteMessage, { status: error.status, ...(error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {}) });
    throw error;
  }
}
