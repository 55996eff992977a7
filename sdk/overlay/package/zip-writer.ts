import type { FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { createPrivateFile } from '../../files/index.js';
import { Zip64RequiredError } from './errors.js';
import { checkMemberName } from './member-name.js';
import {
  LOCAL_CRC_OFFSET,
  ZIP32_LIMIT,
  encodeCentralHeader,
  encodeEndRecord,
  encodeLocalHeader,
  encodeLocalSizes,
} from './zip-layout.js';
import { encodeZip64End, ZIP64_MARK_16, ZIP64_MARK_32 } from './zip64-records.js';

/** The end record counts entries in 16 bits; 0xffff itself means "see ZIP64". */
const MAX_ENTRIES = 0xfffe;

/** Where a member landed and what it holds. */
export interface WrittenMember {
  name: string;
  localHeaderOffset: number;
  size: number;
  crc32: number;
}

export interface ZipWriterOptions {
  /** Largest member allowed; defaults to the zip32 limit and cannot exceed it. */
  limit?: number;
  /** Offsets from here on are written as ZIP64 (default: past what 32 bits hold); tests lower it. */
  zip64From?: number;
  /** File mode; default 0600. */
  mode?: number;
}

/**
 * Streaming writer of a stored-only zip into a seekable file (record layouts in zip-layout.ts; past
 * 4 GiB the offsets go into the ZIP64 records of zip64-records.ts, which unzip and Python read).
 * A member's local header is written with zero CRC and sizes, the bytes follow as they arrive, and
 * the header is patched in place afterwards: no data descriptors, so every reader sees the real
 * sizes in both headers.
 * The file is new (never an existing one or a symlink's target). The writer does not remove it on
 * failure; its owner decides (see package-writer.ts).
 *
 * @example
 * const zip = await StoredZipWriter.create('/tmp/x.zip');
 * await zip.addMember('a', Buffer.from('hello'));
 * await zip.finish('comment');
 */
export class StoredZipWriter {
  private position = 0;
  private readonly central: Buffer[] = [];
  private zip64 = false;

  private constructor(private readonly file: FileHandle, private readonly limit: number, private readonly zip64From: number) {}

  static async create(path: string, options: ZipWriterOptions = {}): Promise<StoredZipWriter> {
    const limit = Math.min(options.limit ?? ZIP32_LIMIT, ZIP32_LIMIT);
    const file = await createPrivateFile(path, { mode: options.mode });
    return new StoredZipWriter(file, limit, Math.min(options.zip64From ?? ZIP32_LIMIT + 1, ZIP32_LIMIT + 1));
  }

  /** Appends one member; `data` is consumed once, piece by piece, with back-pressure. */
  async addMember(name: string, data: AsyncIterable<Uint8Array> | Uint8Array): Promise<WrittenMember> {
    const rawName = Buffer.from(name, 'latin1');
    checkMemberName(rawName);
    const localHeaderOffset = this.position;
    await this.write(encodeLocalHeader(rawName, 0, 0));
    let crc = 0;
    let size = 0;
    for await (const piece of data instanceof Uint8Array ? [data] : data) {
      size += piece.length;
      if (size > this.limit) throw new Zip64RequiredError(name, 'size', size, this.limit);
      crc = crc32(piece, crc);
      await this.write(piece);
    }
    await this.writeAt(encodeLocalSizes(crc, size), localHeaderOffset + LOCAL_CRC_OFFSET);
    const zip64 = localHeaderOffset >= this.zip64From;
    this.zip64 ||= zip64;
    this.central.push(encodeCentralHeader(rawName, crc, size, localHeaderOffset, zip64));
    return { name, localHeaderOffset, size, crc32: crc };
  }

  /** Writes the central directory, the ZIP64 end records if needed, and the end record; then flushes and closes the file. */
  async finish(comment: string): Promise<void> {
    const centralOffset = this.position;
    const directory = Buffer.concat(this.central);
    await this.write(directory);
    const entries = this.central.length;
    const zip64 = this.zip64 || entries > MAX_ENTRIES || centralOffset >= this.zip64From || directory.length > ZIP32_LIMIT;
    if (zip64) await this.write(encodeZip64End({ entries, centralSize: directory.length, centralOffset }, this.position));
    await this.write(encodeEndRecord(
      zip64 ? Math.min(entries, ZIP64_MARK_16) : entries,
      zip64 ? ZIP64_MARK_32 : directory.length,
      zip64 ? ZIP64_MARK_32 : centralOffset,
      Buffer.from(comment, 'latin1'),
    ));
    await this.file.sync();
    await this.file.close();
  }

  /** Closes the file without completing it. */
  async close(): Promise<void> {
    await this.file.close().catch(() => undefined);
  }

  private async write(bytes: Uint8Array): Promise<void> {
    await this.writeAt(bytes, this.position);
    this.position += bytes.length;
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, done, bytes.length - done, position + done);
      done += bytesWritten;
    }
  }
}
