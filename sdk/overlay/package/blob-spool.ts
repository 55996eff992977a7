import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { rm } from 'node:fs/promises';
import { createPrivateFile } from '../../files/index.js';
import { OverlayPackageError } from './errors.js';

/** Where one spooled blob lies, and the SHA-256 of its bytes. */
export interface SpooledBlob {
  offset: number;
  size: number;
  sha256: string;
}

/** Blobs are copied out in pieces of this size. */
const PIECE_BYTES = 1 << 20;

/**
 * Holds a package's blobs until overlay-meta, which needs their sizes and hashes, has been written
 * ahead of them (package-writer.ts). The file is created private and unlinked at once, so only the
 * open descriptor keeps it: a crash or `kill -9` leaves nothing to sweep.
 *
 * @example
 * const spool = await BlobSpool.create('/out/vm.overlay.zip.blobs');
 * const { offset, size } = await spool.append(bytes);
 * for await (const piece of spool.read(offset, size)) write(piece);
 */
export class BlobSpool {
  private end = 0;

  private constructor(private readonly file: FileHandle) {}

  static async create(path: string): Promise<BlobSpool> {
    const file = await createPrivateFile(path, { read: true });
    await rm(path, { force: true }).catch(async (error: unknown) => {
      await file.close();
      throw error;
    });
    return new BlobSpool(file);
  }

  /** Appends `data`, consumed once piece by piece, hashing it on the way; `check` sees the size so far before each piece is written. */
  async append(data: AsyncIterable<Uint8Array> | Uint8Array, check: (size: number) => void): Promise<SpooledBlob> {
    const offset = this.end;
    const sha = createHash('sha256');
    for await (const piece of data instanceof Uint8Array ? [data] : data) {
      check(this.end - offset + piece.length);
      sha.update(piece);
      for (let done = 0; done < piece.length; ) done += (await this.file.write(piece, done, piece.length - done, this.end + done)).bytesWritten;
      this.end += piece.length;
    }
    return { offset, size: this.end - offset, sha256: sha.digest('hex') };
  }

  /** The bytes [offset, offset + size) in pieces of up to 1 MiB. */
  async *read(offset: number, size: number): AsyncGenerator<Buffer> {
    for (let at = offset; at < offset + size; ) {
      const piece = Buffer.allocUnsafe(Math.min(PIECE_BYTES, offset + size - at));
      const { bytesRead } = await this.file.read(piece, 0, piece.length, at);
      if (bytesRead === 0) throw new OverlayPackageError(`blob spool ended at byte ${at}, before ${offset + size}`);
      at += bytesRead;
      yield piece.subarray(0, bytesRead);
    }
  }

  async close(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }
}
