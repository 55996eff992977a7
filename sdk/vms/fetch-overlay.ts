/**
 * Streams an overlay from an http(s) URL for pipelined synthesis (stream-synthesis.ts), resuming a
 * dropped connection where it stopped: `Range: bytes=N-` with `If-Range` set to the first
 * response's strong ETag (else its Last-Modified), so a file that changed in between comes back
 * whole (200) rather than spliced, and is refused. The limits and policies are downloadOverlay's:
 * size cap, total and idle timeouts, redirects (never https → http), --public-only at every hop
 * and every resume. An idle timeout is final, not resumed: the policy says how long to wait.
 */
import type { IncomingMessage } from 'node:http';
import type { ProgressListener } from '../progress/index.js';
import { DEFAULT_DOWNLOAD_POLICY, follow, type DownloadPolicy } from './download-overlay.js';
import { DownloadResumeError, DownloadTimeoutError, DownloadTooLargeError, OverlayChangedError, OverlayDownloadError } from './download-errors.js';

export interface FetchOverlayOptions extends DownloadPolicy {
  signal?: AbortSignal;
  /** Gets a `warning` event at each resume. */
  onProgress?: ProgressListener;
  /** Resumes allowed in all; default 5. */
  maxResumes?: number;
}

/** Error codes of a connection that broke (or failed to open again) mid-transfer: worth resuming. */
const DROPPED = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENETUNREACH', 'EHOSTUNREACH', 'ECONNABORTED', 'UND_ERR_SOCKET']);

/** What the first response said, to hold the resumes to it. */
interface Identity {
  size: number | undefined;
  etag: string | undefined;
  lastModified: string | undefined;
  ranges: boolean;
}

/**
 * The overlay's bytes as they arrive, over as many connections as it takes (up to maxResumes + 1).
 * Throws OverlayDownloadError or one of its kinds: OverlayChangedError, DownloadResumeError,
 * DownloadTooLargeError, DownloadTimeoutError. Stopping the iteration closes the connection.
 *
 * @example for await (const chunk of fetchOverlay('https://example.org/vm.overlay.zip', { publicOnly: true, signal })) use(chunk);
 */
export async function* fetchOverlay(url: string, options: FetchOverlayOptions = {}): AsyncGenerator<Buffer> {
  const policy = { ...DEFAULT_DOWNLOAD_POLICY, ...Object.fromEntries(Object.entries(options).filter(([key, value]) => key in DEFAULT_DOWNLOAD_POLICY && value !== undefined)) } as Required<DownloadPolicy>;
  const own = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, own.signal]) : own.signal;
  let received = 0;
  const total = setTimeout(() => own.abort(new DownloadTimeoutError(url, 'total', policy.timeoutMs, received)), policy.timeoutMs);
  const onIdle = () => own.abort(new DownloadTimeoutError(url, 'idle', policy.idleTimeoutMs, received));
  let identity: Identity | undefined;
  let response: IncomingMessage | undefined;
  try {
    for (let resumes = 0; ; resumes++) {
      try {
        response = await follow(url, policy, signal, onIdle, identity === undefined ? {} : { range: `bytes=${received}-`, 'if-range': (identity.etag ?? identity.lastModified)! });
        identity = identity === undefined ? first(url, response, policy.maxBytes) : resumed(url, response, identity, received);
        for await (const chunk of response as AsyncIterable<Buffer>) {
          received += chunk.length;
          if (received > policy.maxBytes) throw new DownloadTooLargeError(url, policy.maxBytes, undefined, response.statusCode!);
          yield chunk;
        }
        if (identity.size === undefined || received === identity.size) return;
        if (received > identity.size) throw new OverlayDownloadError(url, `the server sent ${received} bytes, more than the ${identity.size} it announced`);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        if (identity === undefined || !dropped(error)) throw typed(url, error, identity !== undefined, received);
      } finally {
        response?.destroy();
      }
      // The connection dropped after the transfer began: resume where it stopped, if the server allows it.
      if (!identity.ranges) throw new DownloadResumeError(url, received, 'no-range');
      if (identity.etag === undefined && identity.lastModified === undefined) throw new DownloadResumeError(url, received, 'no-validator');
      if (resumes >= (options.maxResumes ?? 5)) throw new DownloadResumeError(url, received, 'too-many');
      options.onProgress?.({ kind: 'warning', message: `the connection to ${url} dropped after ${received} bytes; resuming (${resumes + 1})` });
      await new Promise((resolve) => setTimeout(resolve, 200 * (resumes + 1)));
    }
  } finally {
    clearTimeout(total);
  }
}

/** The first response (200): its size within the cap, and what later resumes must match. */
function first(url: string, response: IncomingMessage, maxBytes: number): Identity {
  const length = response.headers['content-length'];
  const size = length === undefined ? undefined : Number(length);
  if (size !== undefined && size > maxBytes) throw new DownloadTooLargeError(url, maxBytes, size, response.statusCode!);
  const etag = response.headers.etag;
  return {
    size,
    // If-Range compares strongly: a weak ETag cannot prove the bytes are the same.
    etag: etag !== undefined && !etag.startsWith('W/') ? etag : undefined,
    lastModified: response.headers['last-modified'],
    ranges: response.headers['accept-ranges'] !== 'none',
  };
}

/** A resume's response: 206 from exactly `received` on, of the same file. */
function resumed(url: string, response: IncomingMessage, identity: Identity, received: number): Identity {
  const etag = response.headers.etag;
  if (response.statusCode === 200) {
    // If-Range failed (the file changed), or the server ignores Range altogether.
    const changed = identity.etag !== undefined ? etag !== identity.etag : response.headers['last-modified'] !== identity.lastModified;
    if (changed) throw new OverlayChangedError(url, received, identity.etag !== undefined ? `ETag ${identity.etag} became ${etag ?? 'none'}` : `Last-Modified ${identity.lastModified} became ${response.headers['last-modified'] ?? 'none'}`);
    throw new DownloadResumeError(url, received, 'no-range');
  }
  if (identity.etag !== undefined && etag !== undefined && etag !== identity.etag) throw new OverlayChangedError(url, received, `ETag ${identity.etag} became ${etag}`);
  const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers['content-range'] ?? '');
  const size = range?.[3] === '*' ? undefined : Number(range?.[3]);
  if (range === null || Number(range[1]) !== received || (identity.size !== undefined && size !== identity.size)) {
    throw new OverlayDownloadError(url, `the server answered the resume from byte ${received} with Content-Range ${JSON.stringify(response.headers['content-range'] ?? null)}`, 206);
  }
  return identity;
}

/** Errors of our own kinds as they are; a failed request or transfer as OverlayDownloadError, as downloadOverlay reports them. */
function typed(url: string, error: unknown, answered: boolean, received: number): unknown {
  if (error instanceof OverlayDownloadError) return error;
  const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
  return new OverlayDownloadError(url, answered ? `the transfer failed after ${received} bytes (${cause})` : `the request failed (${cause})`);
}

function dropped(error: unknown): boolean {
  const { code, message } = error as { code?: string; message?: string };
  return (code !== undefined && DROPPED.has(code)) || message === 'aborted' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}
