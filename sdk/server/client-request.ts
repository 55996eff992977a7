/**
 * One HTTPS request to a synthesis server, for client.ts. Without a pin the certificate is checked
 * against the system's CAs as usual. With a pin (`SHA256:…`, what `cloudlet serve` prints) the CAs
 * are not asked: the connection is handed to the request only after the handshake, once the
 * certificate's fingerprint matched, so nothing (the token included) is sent to a server that
 * presents another certificate. The token travels in `Authorization: Bearer`, never in the URL.
 */
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { Duplex, Readable } from 'node:stream';
import { fingerprint } from '../customize/ssh-fingerprint.js';
import { PinMismatchError, RemoteServerError, ServerUnreachableError } from './errors.js';

/** Where the server is and how to talk to it. */
export interface RemoteServerOptions {
  /** https://HOST[:PORT], default port 8021. */
  server: string;
  /** The token `cloudlet token create` printed. */
  token: string;
  /** The certificate's `SHA256:…` fingerprint; without it, the system's CAs must vouch for the certificate. */
  pin?: string;
  signal?: AbortSignal;
  /** Longest silence of the server before the request fails; default 120 s. */
  idleTimeoutMs?: number;
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  body?: Readable | string;
}

/** The server's answer once its headers are in; the status is not judged here. */
export function sendRequest(options: RemoteServerOptions, spec: RequestSpec): Promise<IncomingMessage> {
  const url = new URL(spec.path, withDefaultPort(options.server));
  if (url.protocol !== 'https:') return Promise.reject(new ServerUnreachableError(options.server, 'the server is reached over https:// only'));
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpsRequest(url, {
      method: spec.method,
      headers: { ...spec.headers, authorization: `Bearer ${options.token}` },
      ...(options.pin !== undefined ? { createConnection: pinnedConnection(url, options.pin) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const idleMs = options.idleTimeoutMs ?? 120_000;
    request.setTimeout(idleMs, () => request.destroy(new ServerUnreachableError(options.server, `it sent nothing for ${idleMs / 1000} s`)));
    request.once('response', (response) => {
      answered = true;
      resolve(response);
    });
    request.on('error', (error: Error) => {
      // Once answered, a failed upload is the server closing the connection after refusing it: the answer says why.
      if (answered) return;
      if (options.signal?.aborted) return reject(options.signal.reason);
      reject(error instanceof PinMismatchError || error instanceof ServerUnreachableError ? error : new ServerUnreachableError(options.server, error.message, { cause: error }));
    });
    if (spec.body === undefined) request.end();
    else if (typeof spec.body === 'string') request.end(spec.body);
    else {
      const body = spec.body;
      body.on('error', (error) => request.destroy(error));
      request.once('response', () => body.unpipe(request));
      body.pipe(request);
    }
  });
}

/** The answer's body as JSON, at most 1 MiB; a status of 400 or more throws RemoteServerError with the server's error. */
export async function readJson(options: RemoteServerOptions, response: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of response) {
    text += String(chunk);
    if (text.length > 1 << 20) throw new ServerUnreachableError(options.server, 'its answer is larger than 1 MiB');
  }
  const status = response.statusCode ?? 0;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    if (status < 400) throw new ServerUnreachableError(options.server, `it answered ${status} with no JSON`);
  }
  if (status >= 400) throw answerError(options.server, response, value);
  return value;
}

/** RemoteServerError from an error answer `{error:{code,message}}` (or whatever came). */
export function answerError(server: string, response: IncomingMessage, value: unknown): RemoteServerError {
  const error = (value as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
  const retry = Number(response.headers['retry-after']);
  return new RemoteServerError(server, response.statusCode ?? 0, typeof error?.code === 'string' ? error.code : 'unknown', typeof error?.message === 'string' ? error.message : response.statusMessage ?? '', Number.isFinite(retry) ? retry : undefined);
}

function withDefaultPort(server: string): string {
  const url = new URL(server);
  if (url.port === '' && url.protocol === 'https:') url.port = '8021';
  return url.href;
}

/** A connect function that yields the TLS socket only when the server's certificate has fingerprint `pin`. */
function pinnedConnection(url: URL, pin: string) {
  return (_options: unknown, done: (error: Error | null, socket: Duplex) => void): undefined => {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket: TLSSocket = connect({ host, port: Number(url.port), ...(isIP(host) ? {} : { servername: host }), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
    const fail = (error: Error) => done(new ServerUnreachableError(url.origin, error.message, { cause: error }), socket);
    socket.once('error', fail);
    socket.once('secureConnect', () => {
      socket.removeListener('error', fail);
      const actual = fingerprint(socket.getPeerCertificate().raw);
      if (actual === pin) return done(null, socket);
      socket.destroy();
      done(new PinMismatchError(url.origin, pin, actual), socket);
    });
    return undefined;
  };
}
