import { rm } from 'node:fs/promises';
import { placeFile } from '../../files/index.js';
import { BlobSpool, type SpooledBlob } from './blob-spool.js';
import { normalizeRanges, type ChunkRange } from './chunk-ranges.js';
import { MetaTooLargeError, OverlayPackageError, WriterStateError, Zip64RequiredError } from './errors.js';
import { encodeMeta, META_MEMBER, META_VERSION, SIGNATURE_MEMBER, type BlobCodec, type BlobMeta, type OverlayMeta } from './meta.js';
import { signMeta } from './overlay-sig.js';
import { DEFAULT_LIMITS, openOverlayPackage } from './package-reader.js';
import type { OverlaySigningKey } from './signing-keys.js';
import { StoredZipWriter } from './zip-writer.js';
import { ZIP32_LIMIT } from './zip-layout.js';

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
  /** Sign the package with this key: an overlay-sig member right after overlay-meta (overlay-sig.ts). */
  signingKey?: OverlaySigningKey;
}

/** What the producer of a blob knows about it; sizes and hashes of the stored bytes are measured. */
export interface BlobDescription {
  codec: BlobCodec;
  uncompressedSize: number;
  disk?: readonly ChunkRange[];
  memory?: readonly ChunkRange[];
}

const ZIP_COMMENT = `cloudlet-tasks VM overlay v${META_VERSION}`;

/**
 * Starts an overlay package at `path`, laid out as format v2 (zip-layout.ts): overlay-meta first,
 * then overlay-sig when a signing key is given, then the blobs in meta order, so a receiver can check
 * the meta before the first blob arrives and apply each blob while the next is on the wire
 * (package-stream.ts). The meta needs every blob's size and SHA-256, so blobs are spooled as they are
 * produced into an unlinked private file (blob-spool.ts) and copied behind the meta by finish():
 * one sequential copy of the blobs: finish() took 0.18 s for the benchmark's 20.0 MB overlay
 * (test/bench/stream-synthesis.ts), against minutes of compressing it.
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
  const spool = await BlobSpool.create(`${partial}.blobs`).catch(async (error: unknown) => {
    await zip.close();
    await rm(partial, { force: true });
    throw error;
  });
  return new OverlayPackageWriter(path, partial, zip, spool, options);
}

export class OverlayPackageWriter {
  private readonly blobs: BlobMeta[] = [];
  private readonly spooled: SpooledBlob[] = [];
  private state: 'open' | 'finished' | 'aborted' | 'broken' = 'open';
  private failure: unknown;

  constructor(
    readonly path: string,
    private readonly partial: string,
    private readonly zip: StoredZipWriter,
    private readonly spool: BlobSpool,
    private readonly options: CreatePackageOptions,
  ) {}

  /**
   * Adds one blob, named `overlay-blob-<n>` (n from 1; the codec is in the meta). `describe` may be a function,
   * called once the data is consumed, for producers that learn the uncompressed size only at the end.
   */
  async addBlob(data: AsyncIterable<Uint8Array> | Uint8Array, describe: BlobDescription | (() => BlobDescription)): Promise<BlobMeta> {
    return this.guard(async () => {
      const name = `overlay-blob-${this.blobs.length + 1}`;
      const limit = Math.min(this.options.maxBlobBytes ?? ZIP32_LIMIT, ZIP32_LIMIT);
      const spooled = await this.spool.append(data, (size) => {
        if (size > limit) throw new Zip64RequiredError(name, 'size', size, limit);
      });
      const description = typeof describe === 'function' ? describe() : describe;
      const blob: BlobMeta = {
        name,
        codec: description.codec,
        size: spooled.size,
        uncompressedSize: description.uncompressedSize,
        sha256: spooled.sha256,
        disk: normalizeRanges(description.disk ?? []),
        memory: normalizeRanges(description.memory ?? []),
      };
      this.blobs.push(blob);
      this.spooled.push(spooled);
      return blob;
    });
  }

  /**
   * Writes overlay-meta, overlay-sig, the blobs and the central directory, reads the package back, and moves it to `path`.
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
      for (const [i, blob] of this.blobs.entries()) await this.zip.addMember(blob.name, this.spool.read(this.spooled[i]!.offset, blob.size));
      await this.spool.close();
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
    await this.spool.close();
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
