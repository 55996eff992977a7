/**
 * The two calls the server makes to synthesize, kept here alone so that the pipelined synthesis
 * (synthesizing while the overlay is still arriving) replaces them without touching the routes.
 * Until then an upload is written to a private file in a staging directory under the cloudlet
 * dir's tmp/ (recorded with our pid, so the stale sweep at the next start removes it after a
 * kill -9), then synthesized as a file; the directory goes in any case.
 */
import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BaseRegistry, checkFreeSpace } from '../base/index.js';
import { createPrivateFile } from '../files/index.js';
import { byteCounter, runPhase } from '../progress/index.js';
import { synthesizeVm, type LaunchedVm, type SynthesizeVmOptions } from '../vms/index.js';
import { UploadIncompleteError } from './errors.js';

/** Synthesizes base `baseRef` + the overlay package `source` delivers (exactly `declaredBytes` long), and resumes the VM. */
export async function synthesizeUpload(baseRef: string, source: Readable, options: SynthesizeVmOptions & { declaredBytes: number }): Promise<LaunchedVm> {
  const { declaredBytes, ...synthesis } = options;
  const emit = options.onProgress ?? (() => undefined);
  const { signal } = options;
  const staging = await (await BaseRegistry.open(options)).createStaging('upload');
  try {
    const path = join(staging.path, 'overlay.zip');
    await checkFreeSpace(staging.path, declaredBytes);
    await runPhase(emit, 'upload', signal, async () => {
      const bytes = byteCounter(emit, 'upload', declaredBytes);
      let received = 0;
      const count = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          bytes.add(chunk.length);
          done(null, chunk);
        },
      });
      const file = await createPrivateFile(path);
      try {
        await pipeline(source, count, file.createWriteStream(), ...(signal ? [{ signal }] : []));
      } catch (error) {
        signal?.throwIfAborted();
        throw new UploadIncompleteError(received, declaredBytes, { cause: error });
      }
      if (received !== declaredBytes) throw new UploadIncompleteError(received, declaredBytes);
      bytes.done();
      return received;
    }, (received) => `${received} bytes`);
    return await synthesizeVm(baseRef, path, synthesis);
  } finally {
    await rm(staging.path, { recursive: true, force: true });
  }
}

/** Synthesizes base `baseRef` + the overlay at `url` (fetched by the server), and resumes the VM. */
export function synthesizeFromUrl(baseRef: string, url: string, options: SynthesizeVmOptions): Promise<LaunchedVm> {
  return synthesizeVm(baseRef, url, options);
}
