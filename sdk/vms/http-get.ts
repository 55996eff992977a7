/**
 * One GET of one URL for an overlay download, on node:http(s) rather than fetch: fetch follows
 * redirects and resolves names where we cannot check them, and has no idle timeout. Here each hop
 * is a request of its own (download-overlay.ts decides whether to follow), the name is resolved
 * by a lookup that can refuse internal addresses, and a socket silent for `idleMs` ends it.
 */
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { isIP } from 'node:net';
import { isRefusedAddress, publicOnlyLookup } from './address-policy.js';
import { DownloadAddressError } from './download-errors.js';

export interface HopOptions {
  /** The URL the caller asked for, named in errors. */
  requested: string;
  /** Refuse private, loopback and link-local addresses (address-policy.ts). */
  publicOnly: boolean;
  idleMs: number;
  /** Called when the socket has been silent for idleMs; the caller aborts `signal` with its error. */
  onIdle(): void;
  signal: AbortSignal;
  /** Request headers beyond user-agent and accept (Range, If-Range). */
  headers?: Record<string, string>;
}

/**
 * Sends the GET and resolves with the response once its headers arrived; the body is the caller's
 * to read or destroy. Rejects with DownloadAddressError before any connection to a refused address.
 *
 * @example const response = await getOnce(new URL('https://example.org/vm.zip'), { requested, publicOnly: true, idleMs: 60_000, onIdle, signal });
 */
export function getOnce(url: URL, options: HopOptions): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An IP literal is connected to without a lookup, so it is checked here.
  if (options.publicOnly && isIP(host) !== 0 && isRefusedAddress(host)) return Promise.reject(new DownloadAddressError(options.requested, host, host));
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const request = get(url, {
      headers: { 'user-agent': 'cloudlet-tasks', accept: '*/*', ...options.headers },
      signal: options.signal,
      timeout: options.idleMs,
      ...(options.publicOnly ? { lookup: publicOnlyLookup((address) => new DownloadAddressError(options.requested, host, address)) as never } : {}),
    });
    request.on('timeout', options.onIdle);
    request.once('response', resolve);
    request.once('error', reject);
  });
}
