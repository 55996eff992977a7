/**
 * Synthesis pipelined with the overlay's transfer: the package (format v2, overlay-meta first)
 * is read from a stream, its meta checked (signature, base, size limits) before any blob, then
 * each blob verified and applied while the next is still arriving, and the VM resumed right
 * after the last one. The server's upload path (`cloudlet serve`) and URL synthesis
 * (fetch-overlay.ts) both come through here.
 */
import type { Readable } from 'node:stream';
import { openOverlayStream } from '../overlay/package/index.js';
import { byteCounter } from '../progress/index.js';
import { DEFAULT_DOWNLOAD_POLICY } from './download-overlay.js';
import { OverlayStreamTooLargeError } from './errors.js';
import { overlaySizeBound } from './overlay-size-bound.js';
import { synthesizeStaged } from './synthesis-staging.js';
import type { SynthesizeVmOptions } from './synthesize-vm.js';
import type { LaunchedVm } from './vm-record.js';

/** Options of synthesizeVmFromStream: those of synthesizeVm, and what the sender said of the stream. */
export interface StreamSynthesisOptions extends SynthesizeVmOptions {
  /** The length the sender announced (Content-Length): a stream shorter or longer is refused, a byte too many at once. */
  declaredBytes?: number;
  /** What the VM record names as the overlay's origin (a URL, "upload from …"); default "stream". */
  origin?: string;
}

/**
 * Synthesizes base `baseRef` + the overlay package arriving on `source` and resumes the VM. Bytes
 * are pulled only as synthesis consumes them (blobs are decompressed two ahead of the one being
 * applied), so a fast sender is held back and memory stays bounded. `bytes` events of phase
 * `receive` report the arrival; the synthesis phases and `blob` events are synthesizeVm's.
 * Refusals (wrong base, unsigned with trustedKeys, a size mismatch, a corrupt blob, a v1 package)
 * and aborts leave no VM and no files. Aborting `signal` destroys `source`; on other failures the
 * source is left unread where it stopped, not destroyed, so a server can still answer its client.
 *
 * @example const vm = await synthesizeVmFromStream('tiny', request, { name: 'web1', declaredBytes: Number(request.headers['content-length']) });
 */
export async function synthesizeVmFromStream(baseRef: string, source: Readable | AsyncIterable<Uint8Array>, options: StreamSynthesisOptions = {}): Promise<LaunchedVm> {
  const emit = options.onProgress ?? (() => undefined);
  const { signal, declaredBytes } = options;
  const destroy = 'destroy' in source && typeof source.destroy === 'function' ? () => source.destroy(signal?.reason as Error) : () => undefined;
  signal?.addEventListener('abort', destroy, { once: true });
  let opened: { close(): Promise<void> } | undefined;
  try {
    signal?.throwIfAborted();
    return await synthesizeStaged(baseRef, options, async (base) => {
      const limit = Math.min(options.download?.maxBytes ?? DEFAULT_DOWNLOAD_POLICY.maxBytes, overlaySizeBound(base));
      if (declaredBytes !== undefined && declaredBytes > limit) throw new OverlayStreamTooLargeError(limit, declaredBytes);
      const counter = byteCounter(emit, 'receive', declaredBytes, 1 << 20);
      let counted = 0;
      const pkg = await openOverlayStream(capped(source, limit, signal), {
        expectedBaseVmId: base.id,
        ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}),
        ...(declaredBytes !== undefined ? { declaredBytes } : {}),
        onBytes: (received) => {
          counter.add(received - counted);
          counted = received;
        },
      });
      opened = pkg;
      return {
        overlay: pkg,
        origin: options.origin ?? 'stream',
        sha256: async () => {
          counter.done();
          return pkg.sha256;
        },
      };
    });
  } finally {
    signal?.removeEventListener('abort', destroy);
    await opened?.close().catch(() => undefined);
  }
}

/** The source's chunks up to `limit` bytes, stopping at an abort; ending early leaves a Readable undestroyed (see synthesizeVmFromStream). */
async function* capped(source: Readable | AsyncIterable<Uint8Array>, limit: number, signal: AbortSignal | undefined): AsyncGenerator<Uint8Array> {
  const chunks = 'iterator' in source && typeof source.iterator === 'function' ? source.iterator({ destroyOnReturn: false }) : source;
  let received = 0;
  for await (const chunk of chunks as AsyncIterable<Uint8Array>) {
    signal?.throwIfAborted();
    received += chunk.length;
    if (received > limit) throw new OverlayStreamTooLargeError(limit, undefined);
    yield chunk;
  }
}
