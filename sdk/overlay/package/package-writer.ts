import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { placeFile } from '../../files/index.js';
import { normalizeRanges, type ChunkRange } from './chunk-ranges.js';
import { MetaTooLargeError, OverlayPackageError, WriterStateError } from './errors.js';
import { encodeMeta, META_MEMBER, SIGNATURE_MEMBER, type BlobCodec, type BlobMeta, type OverlayMeta } from './meta.js';
import { signMeta } from './overlay-sig.js';
import { DEFAULT_LIMITS, openOverlayPackage } from './package-reader.js';
import type { OverlaySigningKey } from './signing-keys.js';
import { StoredZipWriter } from './zip-writer.js';

export interface CreatePackageOptions {
  /** SHA-256 hex of the base disk. */
  baseVmId: string;
  diskSize: number;
  memorySize: number;
  /** Tool and version, e.g. "cloudlet-tasks 0.1.0". */
  createdBy: string;
  /** Largest blob; defaults to, and cannot exceed, 4 GiB − 2. Archives may grow past 4 GiB (ZIP64). */
  maxBlobBytes?: number;
  /** File mode of the package; default 0600 (it carries guest memory pages). */
  mode?: number;
  /** Sign the package with this key: an overlay-sig member after overlay-meta (overlay-sig.ts). */
  signingKey?: OverlaySigningKey;
}

/** What the producer of a blob knows about it; sizes and hashes of the stored bytes are measured. */
export interface BlobDescription {
  codec: BlobCodec;
  uncompressedSize: number;
  disk?: readonly ChunkRange[];
  memory?: readonly ChunkRange[];
}

const ZIP_COMMENT = 'cloudlet-tasks VM overlay v1';

/**
 * Starts an overlay package at `path`. Blobs are appended as they are produced; overlay-meta goes last,
 * once every blob's size and SHA-256 are known, followed by overlay-sig when a signing key is given.
 * The zip is built in the new file `<path>.partial` (an existing one, or a symlink there, is refused:
 * FileInTheWayError) and linked into place only after it was read back and its meta matched, so
 * `path` never holds a half-written package and an existing `path` is never replaced
 * (OutputFileExistsError). Any failure removes the partial file and leaves the writer broken.
 *
 * @example
 * const writer = await createOverlayPackage('overlay.zip', { baseVmId, diskSize, memorySize, createdBy: 'cloudlet-tasks 0.1.0' });
 * await writer.addBlob(xzBytes, { codec: 'xz', uncompressedSize, disk: [{ first: 0, count: 16 }] });
 * const meta = await writer.finish();
 */
export async function createOverlayPackage(path: string, options: CreatePackageOptions): Promise<OverlayPackageWriter> {
  // Refuse a bad Base VM ID or size now, not after gigabytes of blobs.
  encodeMeta({ ...options, diskZeroed: [], blobs: [] });
  const partial = `${path}.partial`;
  const zip = await StoredZipWriter.create(partial, { limit: options.maxBlobBytes, mode: options.mode });
  return new OverlayPackageWriter(path, partial, zip, options);
}

export class OverlayPackageWriter {
  private readonly blobs: BlobMeta[] = [];
  private state: 'open' | 'finished' | 'aborted' | 'broken' = 'open';
  private failure: unknown;

  constructor(
    readonly path: string,
    private readonly partial: string,
    private readonly zip: StoredZipWriter,
    private readonly options: CreatePackageOptions,
  ) {}

  /**
   * Appends one blob, named `overlay-blob-<n>` (n from 1; the codec is in the meta). `describe` may be a function,
   * called once the data is consumed, for producers that learn the uncompressed size only at the end.
   */
  async addBlob(data: AsyncIterable<Uint8Array> | Uint8Array, describe: BlobDescription | (() => BlobDescription)): Promise<BlobMeta> {
    return this.guard(async () => {
      const sha = createHash('sha256');
      const hashed = async function* () {
        for await (const piece of data instanceof Uint8Array ? [data] : data) {
          sha.update(piece);
          yield piece;
        }
      };
      const written = await this.zip.addMember(`overlay-blob-${this.blobs.length + 1}`, hashed());
      const description = typeof describe === 'function' ? describe() : describe;
      const blob: BlobMeta = {
        name: written.name,
        codec: description.codec,
        size: written.size,
        uncompressedSize: description.uncompressedSize,
        sha256: sha.digest('hex'),
        disk: normalizeRanges(description.disk ?? []),
        memory: normalizeRanges(description.memory ?? []),
      };
      this.blobs.push(blob);
      return blob;
    });
  }

  /**
   * Writes overlay-meta and the central directory, reads the package back, and moves it to `path`.
   * `diskZeroed` lists disk chunks that read as zeros and carry no data (guest discards, write-zeroes).
   */
  async finish(diskZeroed: readonly ChunkRange[] = []): Promise<OverlayMeta> {
    return this.guard(async () => {
      const meta: OverlayMeta = {
        baseVmId: this.options.baseVmId,
        diskSize: this.options.diskSize,
        memorySize: this.options.memorySize,
        createdBy: this.options.createdBy,
        diskZeroed: normalizeRanges(diskZeroed),
        blobs: this.blobs,
      };
      const bytes = encodeMeta(meta);
      if (bytes.length > DEFAULT_LIMITS.maxMetaBytes) throw new MetaTooLargeError(bytes.length, DEFAULT_LIMITS.maxMetaBytes);
      await this.zip.addMember(META_MEMBER, bytes);
      const key = this.options.signingKey;
      if (key) await this.zip.addMember(SIGNATURE_MEMBER, signMeta(bytes, key));
      await this.zip.finish(ZIP_COMMENT);
      const check = await openOverlayPackage(this.partial, { expectedBaseVmId: meta.baseVmId, ...(key ? { trustedKeys: [key] } : {}) });
      await check.close();
      if (!encodeMeta(check.meta).equals(bytes)) {
        throw new OverlayPackageError(`${this.partial}: overlay-meta read back differs from what was written`);
      }
      await placeFile(this.partial, this.path);
      this.state = 'finished';
      return meta;
    });
  }

  /** Stops writing and removes the partial file; safe to call in any state. */
  async abort(): Promise<void> {
    if (this.state === 'finished') return;
    if (this.state === 'open') this.state = 'aborted';
    await this.zip.close();
    await rm(this.partial, { force: true });
  }

  /** Runs one operation if the writer is open; on failure removes the partial file and stays broken. */
  private async guard<T>(operation: () => Promise<T>): Promise<T> {
    if (this.state !== 'open') throw new WriterStateError(this.state, this.failure);
    try {
      return await operation();
    } catch (error) {
      this.state = 'broken';
      this.failure = error;
      await this.abort();
      throw error;
    }
  }
}
