/**
 * Fetches an overlay package from an http(s) URL into a file, for `cloudlet synthesis <base> URL`.
 * Streamed to disk under a size cap (checked against Content-Length first, then while reading,
 * since a server may lie or send none), an overall and an idle timeout; redirects are followed a
 * few times and never from https to http; optionally only public addresses are fetched from
 * (address-policy.ts). Abortable; a failure removes the partial file.
 */
import { rm } from 'node:fs/promises';
import type { Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPrivateFile, FileInTheWayError } from '../files/index.js';
import { byteCounter, type ProgressListener } from '../progress/index.js';
import { DownloadRedirectError, DownloadTimeoutError, DownloadTooLargeError, OverlayDownloadError } from './download-errors.js';
import { getOnce } from './http-get.js';

/** Limits of a download; every field has a default. */
export interface DownloadPolicy {
  /** Largest overlay accepted; default 16 GiB, above any overlay of a sane VM, below filling a cloudlet's disk by accident. */
  maxBytes?: number;
  /** The whole download, redirects included; default 30 minutes. */
  timeoutMs?: number;
  /** Longest silence of the server, while connecting, before the headers or in the body; default 60 s. */
  idleTimeoutMs?: number;
  /** Redirects followed; default 5. */
  maxRedirects?: number;
  /** Refuse hosts that are or resolve to private, loopback or link-local addresses, at every hop; default false. */
  publicOnly?: boolean;
}

export const DEFAULT_DOWNLOAD_POLICY: Required<DownloadPolicy> = { maxBytes: 16 * 1024 ** 3, timeoutMs: 30 * 60_000, idleTimeoutMs: 60_000, maxRedirects: 5, publicOnly: false };
/** The default size cap. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = DEFAULT_DOWNLOAD_POLICY.maxBytes;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** True for the overlay arguments that are URLs rather than files. */
export function isOverlayUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * Downloads `url` (http or https only) to `path`, a file that must not exist yet; returns the bytes
 * written. `onProgress` gets `bytes` events of the `download` phase (total from Content-Length when
 * the server sent one); `hash` is updated with every byte written, so the caller has the file's
 * digest without reading it again. Errors are OverlayDownloadError or one of its kinds, and FileInTheWayError
 * (nothing removed) when something is already at `path`.
 *
 * @example await downloadOverlay('https://example.org/vm.overlay.zip', '/tmp/x/overlay.zip', { publicOnly: true, signal });
 */
export async function downloadOverlay(url: string, path: string, options: DownloadPolicy & { signal?: AbortSignal; onProgress?: ProgressListener; hash?: Hash } = {}): Promise<number> {
  const { hash, ...limits } = options;
  const policy = { ...DEFAULT_DOWNLOAD_POLICY, ...withoutUndefined(limits) };
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  let received = 0;
  let status: number | undefined;
  let created = false;
  const total = setTimeout(() => own.abort(new DownloadTimeoutError(url, 'total', policy.timeoutMs, received)), policy.timeoutMs);
  try {
    const response = await follow(url, policy, signal, () => own.abort(new DownloadTimeoutError(url, 'idle', policy.idleTimeoutMs, received)));
    status = response.statusCode;
    const declared = response.headers['content-length'] === undefined ? undefined : Number(response.headers['content-length']);
    if (declared !== undefined && declared > policy.maxBytes) {
      response.destroy();
      throw new DownloadTooLargeError(url, policy.maxBytes, declared, response.statusCode!);
    }
    const bytes = byteCounter(options.onProgress ?? (() => undefined), 'download', declared);
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        bytes.add(chunk.length);
        if (received > policy.maxBytes) return done(new DownloadTooLargeError(url, policy.maxBytes, undefined, response.statusCode!));
        hash?.update(chunk);
        done(null, chunk);
      },
    });
    // Made only now that the server answered, and never over something already at `path` (left alone: not ours to remove).
    const file = await createPrivateFile(path).catch((error: unknown) => {
      response.destroy();
      throw error;
    });
    created = true;
    await pipeline(response, cap, file.createWriteStream(), { signal });
    bytes.done();
    return received;
  } catch (error) {
    if (created) await rm(path, { force: true });
    options.signal?.throwIfAborted();
    if (own.signal.aborted) throw own.signal.reason;
    if (error instanceof OverlayDownloadError || error instanceof FileInTheWayError) throw error;
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new OverlayDownloadError(url, status === undefined ? `the request failed (${cause})` : `the transfer failed after ${received} bytes (${cause})`, status);
  } finally {
    clearTimeout(total);
  }
}

/**
 * GETs `url` and the redirects it answers with, up to the policy's count; resolves with the first
 * 200 response, or 206 when `headers` ask for a range (fetch-overlay.ts resumes so).
 */
export async function follow(url: string, policy: Required<DownloadPolicy>, signal: AbortSignal, onIdle: () => void, headers: Record<string, string> = {}): Promise<IncomingMessage> {
  let current: URL;
  try {
    current = new URL(url);
  } catch {
    throw new OverlayDownloadError(url, 'not a valid URL');
  }
  if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new OverlayDownloadError(url, `only http and https are supported, not ${current.protocol.slice(0, -1)}`);
  for (let redirects = 0; ; redirects++) {
    const response = await getOnce(current, { requested: url, publicOnly: policy.publicOnly, idleMs: policy.idleTimeoutMs, onIdle, signal, headers });
    const status = response.statusCode ?? 0;
    if (status === 200 || (status === 206 && headers.range !== undefined)) return response;
    // A redirect's or an error's body is never read: it may be endless.
    response.destroy();
    const location = response.headers.location;
    if (!REDIRECTS.has(status) || location === undefined) throw new OverlayDownloadError(url, `the server answered ${status} ${response.statusMessage ?? ''}`.trimEnd(), status);
    const next = URL.canParse(location, current) ? new URL(location, current) : undefined;
    if (next === undefined) throw new DownloadRedirectError(url, 'location', location, policy.maxRedirects);
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw new DownloadRedirectError(url, 'scheme', next.href, policy.maxRedirects);
    if (current.protocol === 'https:' && next.protocol === 'http:') throw new DownloadRedirectError(url, 'downgrade', next.href, policy.maxRedirects);
    if (redirects === policy.maxRedirects) throw new DownloadRedirectError(url, 'too-many', next.href, policy.maxRedirects);
    current = next;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
