/**
 * `cloudlet synthesis`: base + overlay (a file, or an http(s) URL) → a running VM that resumes
 * where the customized VM was saved. A URL is streamed into pipelined synthesis (fetch-overlay.ts,
 * stream-synthesis.ts): each blob is applied while the next downloads, and a dropped connection is
 * resumed with a Range request. A package of format v1 (overlay-meta last) cannot be applied while
 * it streams: it is downloaded whole first, then synthesized, with a warning. Given trusted keys,
 * an overlay not signed by one of them is refused before any of its blobs is read. The staging,
 * domain and cleanup rules are synthesis-staging.ts's.
 */
import { join, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { sha256File } from '../base/index.js';
import type { TrustedKey } from '../overlay/package/index.js';
import { StreamLayoutError } from '../overlay/package/index.js';
import { runPhase } from '../progress/index.js';
import { DEFAULT_DOWNLOAD_POLICY, downloadOverlay, isOverlayUrl, type DownloadPolicy } from './download-overlay.js';
import { fetchOverlay } from './fetch-overlay.js';
import type { LaunchOptions } from './launch-vm.js';
import { overlaySizeBound } from './overlay-size-bound.js';
import { synthesizeStaged } from './synthesis-staging.js';
import { synthesizeVmFromStream } from './stream-synthesis.js';
import type { LaunchedVm } from './vm-record.js';

/** Options of synthesizeVm: those of launching, the limits of downloading an overlay, and the keys it must be signed by. */
export interface SynthesizeVmOptions extends LaunchOptions {
  /** Limits of an overlay download (DEFAULT_DOWNLOAD_POLICY); its size is also capped at the most an overlay of the base can hold. */
  download?: DownloadPolicy;
  /** Accept only an overlay signed by one of these keys (readTrustedKeys); refused before any blob is read. */
  trustedKeys?: readonly TrustedKey[];
}

/**
 * Synthesizes base `ref` (ID, prefix or name) + `overlay` (path or http(s) URL) and resumes the VM.
 *
 * @example const vm = await synthesizeVm('tiny', 'tiny.overlay.zip', { name: 'my-vm' }); console.log(vm.files.console);
 */
export async function synthesizeVm(ref: string, overlay: string, options: SynthesizeVmOptions = {}): Promise<LaunchedVm> {
  if (!isOverlayUrl(overlay)) {
    // Hashed beside the synthesis, from the page cache, for the VM's record (a playbook's `vm` step compares it).
    return synthesizeStaged(ref, options, async () => {
      const hash = sha256File(resolve(overlay), options.signal);
      hash.catch(() => undefined);
      return { overlay: resolve(overlay), origin: overlay, sha256: () => hash };
    });
  }
  const fetched = fetchOverlay(overlay, { ...options.download, ...(options.signal ? { signal: options.signal } : {}), ...(options.onProgress ? { onProgress: options.onProgress } : {}) });
  try {
    return await synthesizeVmFromStream(ref, fetched, { ...options, origin: overlay });
  } catch (error) {
    await fetched.return(undefined);
    if (!(error instanceof StreamLayoutError && error.offset === 0)) throw error;
    options.onProgress?.({ kind: 'warning', message: `${overlay} is an overlay package of format v1 (meta last), which cannot be applied while it downloads: downloading it whole first` });
    return synthesizeStaged(ref, options, (base, dir) => downloadWhole(overlay, base, dir, options));
  }
}

/** Download, then synthesize: for packages that cannot be streamed. The download is hashed as it is written. */
async function downloadWhole(url: string, base: { diskSize: number; memory: { pages: number } }, dir: string, options: SynthesizeVmOptions) {
  const emit = options.onProgress ?? (() => undefined);
  const path = join(dir, 'overlay.zip');
  const hash = createHash('sha256');
  await runPhase(emit, 'download', options.signal, () => downloadOverlay(url, path, {
    ...options.download,
    maxBytes: Math.min(options.download?.maxBytes ?? DEFAULT_DOWNLOAD_POLICY.maxBytes, overlaySizeBound(base)),
    ...(options.signal ? { signal: options.signal } : {}),
    onProgress: emit,
    hash,
  }), (bytes) => `${bytes} bytes from ${url}`);
  const digest = hash.digest('hex');
  return { overlay: path, origin: url, sha256: async () => digest };
}
