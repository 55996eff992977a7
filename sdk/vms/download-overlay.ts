/**
 * Fetches an overlay package from an http(s) URL into a file, for `cloudlet synthesis <base> URL`.
 * Streamed to disk, stopped at a size cap (checked against Content-Length first, then while
 * reading, since a server may lie or send none), abortable; a failure removes the partial file.
 */
import { rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createPrivateFile } from '../files/index.js';
import { byteCounter, type ProgressListener } from '../progress/index.js';
import { OverlayDownloadError } from './errors.js';

/** Default cap: 16 GiB, above any overlay of a sane VM, below filling a cloudlet's disk by accident. */
export const DEFAULT_MAX_DOWNLOAD_BYTES = 16 * 1024 ** 3;

/** True for the overlay arguments that are URLs rather than files. */
export function isOverlayUrl(source: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
}

/**
 * Downloads `url` (http or https only) to `path`; returns the bytes written. `onProgress` gets
 * `bytes` events of the `download` phase (total from Content-Length when the server sent one).
 *
 * @example await downloadOverlay('https://example.org/vm.overlay.zip', '/tmp/x/overlay.zip', { signal });
 */
export async function downloadOverlay(url: string, path: string, options: { maxBytes?: number; signal?: AbortSignal; onProgress?: ProgressListener } = {}): Promise<number> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOWNLOAD_BYTES;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new OverlayDownloadError(url, 'not a valid URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new OverlayDownloadError(url, `only http and https are supported, not ${parsed.protocol.slice(0, -1)}`);
  let response: Response;
  try {
    response = await fetch(parsed, { redirect: 'follow', ...(options.signal ? { signal: options.signal } : {}) });
  } catch (error) {
    options.signal?.throwIfAborted();
    const cause = (error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message;
    throw new OverlayDownloadError(url, `the request failed (${cause})`);
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new OverlayDownloadError(url, `the server answered ${response.status} ${response.statusText}`, response.status);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes) {
    await response.body.cancel();
    throw new OverlayDownloadError(url, `it is ${declared} bytes, more than the limit of ${maxBytes}`, response.status);
  }
  let received = 0;
  const bytes = byteCounter(options.onProgress ?? (() => undefined), 'download', Number.isFinite(declared) ? declared : undefined);
  const cap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      bytes.add(chunk.length);
      if (received > maxBytes) done(new OverlayDownloadError(url, `it sent more than the limit of ${maxBytes} bytes`, response.status));
      else done(null, chunk);
    },
  });
  const file = await createPrivateFile(path).catch(async (error: unknown) => {
    await response.body?.cancel();
    throw error;
  });
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
    await pipeline(body, cap, file.createWriteStream(), ...(options.signal ? [{ signal: options.signal }] as const : []));
  } catch (error) {
    await rm(path, { force: true });
    options.signal?.throwIfAborted();
    if (error instanceof OverlayDownloadError) throw error;
    throw new OverlayDownloadError(url, `the transfer failed after ${received} bytes (${(error as Error).message})`, response.status);
  }
  bytes.done();
  return received;
}
