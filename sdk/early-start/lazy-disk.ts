/**
 * The read side of an early-started VM's disk: each read is answered from the base for chunks no
 * blob claims, as zeros for the meta's zeroed runs, and from the scratch file for chunks of blobs
 * already verified and applied. A read that reaches a chunk of a blob still on its way waits for
 * that blob, after telling whoever fetches blobs that it is wanted (DemandQueue). A chunk is
 * served from the scratch file only once its whole blob checked out, so bytes of a blob whose
 * SHA-256 fails never reach the guest: after a failure every read fails (the VM is stopped).
 */
import type { FileHandle } from 'node:fs/promises';
import { CHUNK_SIZE } from '../image/disk/index.js';
import type { OverlayMeta } from '../overlay/package/index.js';
import { DiskSources } from './disk-sources.js';
import { LazyDiskFailedError } from './errors.js';

export interface LazyDiskParts {
  meta: Pick<OverlayMeta, 'diskSize' | 'diskZeroed' | 'blobs'>;
  /** The base disk, open for reading. */
  base: FileHandle;
  /** The scratch file recovered chunks are written to at their own offsets, open for reading. */
  scratch: FileHandle;
  /** Called when a read starts waiting for blob `name`. */
  onDemand?: (name: string) => void;
}

interface Waiting {
  promise: Promise<void>;
  resolve(): void;
  reject(error: Error): void;
}

export class LazyDisk {
  private readonly sources: DiskSources;
  private readonly present = new Set<number>();
  private readonly waiting = new Map<number, Waiting>();
  private failure: LazyDiskFailedError | undefined;
  private waits = 0;

  constructor(private readonly parts: LazyDiskParts) {
    this.sources = new DiskSources(parts.meta);
  }

  /** Bytes of the disk. */
  get size(): number {
    return this.parts.meta.diskSize;
  }

  /** Reads that had to wait for a blob so far. */
  get blockedReads(): number {
    return this.waits;
  }

  /** The failure that stopped the disk, if any. */
  get failed(): LazyDiskFailedError | undefined {
    return this.failure;
  }

  /**
   * Fills `into` from byte `position`; resolves the bytes read (fewer at the end of the disk).
   *
   * @example const n = await disk.read(0, Buffer.alloc(512)); // the boot sector, from wherever it is
   */
  async read(position: number, into: Buffer): Promise<number> {
    const end = Math.min(position + into.length, this.size);
    let at = position;
    while (at < end) {
      if (this.failure) throw this.failure;
      const { source, end: runEnd } = this.sources.at(Math.floor(at / CHUNK_SIZE));
      const piece = into.subarray(at - position, Math.min(end, runEnd * CHUNK_SIZE) - position);
      if (source.kind === 'zero') piece.fill(0);
      else if (source.kind === 'base') await readFully(this.parts.base, piece, at);
      else {
        await this.arrival(source.blob);
        await readFully(this.parts.scratch, piece, at);
      }
      at += piece.length;
    }
    if (this.failure) throw this.failure;
    return Math.max(0, end - position);
  }

  /** Blob `name` was verified and its chunks are in the scratch file (flushed): reads of them go on. */
  arrived(name: string): void {
    const index = this.index(name);
    this.present.add(index);
    this.waiting.get(index)?.resolve();
    this.waiting.delete(index);
  }

  /** A blob (or the transfer) failed: waiting and later reads fail, whatever chunk they want. */
  fail(error: LazyDiskFailedError): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }

  private async arrival(blob: number): Promise<void> {
    if (this.present.has(blob)) return;
    let waiting = this.waiting.get(blob);
    if (waiting === undefined) {
      let resolve!: () => void;
      let reject!: (error: Error) => void;
      const promise = new Promise<void>((yes, no) => {
        resolve = yes;
        reject = no;
      });
      waiting = { promise, resolve, reject };
      this.waiting.set(blob, waiting);
    }
    this.waits++;
    this.parts.onDemand?.(this.parts.meta.blobs[blob]!.name);
    await waiting.promise;
  }

  private index(name: string): number {
    const index = this.parts.meta.blobs.findIndex((blob) => blob.name === name);
    if (index < 0) throw new RangeError(`no blob ${name} in the overlay`);
    return index;
  }
}

async function readFully(file: FileHandle, into: Buffer, position: number): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const { bytesRead } = await file.read(into, done, into.length - done, position + done);
    // Past the end of a sparse scratch file or a short base: zeros (sizes are checked when opened).
    if (bytesRead === 0) return void into.fill(0, done);
    done += bytesRead;
  }
}
