/**
 * Reads a base archive (archive-manifest.ts) through yauzl, trusting nothing in it: member names
 * are decoded and judged here (yauzl's own name checks are off so that every refusal is an
 * UnsafeArchiveMemberError naming the member), only the three expected regular files may appear,
 * each once, and yauzl checks every member's size and CRC against the central directory as it streams.
 */
import { PassThrough, type Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { memberNameProblem, type MemberNameProblem } from '../zip/member-name.js';
import { ARCHIVE_MEMBERS, MAX_MANIFEST_BYTES } from './archive-manifest.js';
import { ArchiveFormatError, ArchiveManifestError, UnsafeArchiveMemberError } from './errors.js';

export type MemberKey = keyof typeof ARCHIVE_MEMBERS;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const UNIX_HOST = 3;

export class ArchiveReader {
  private constructor(
    readonly path: string,
    private readonly zip: ZipFile,
    private readonly members: ReadonlyMap<MemberKey, Entry>,
  ) {}

  /** Opens `path` and checks its member list; UnsafeArchiveMemberError on the first bad member. */
  static async open(path: string): Promise<ArchiveReader> {
    const zip = await new Promise<ZipFile>((resolve, reject) =>
      yauzl.open(path, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true }, (error, file) =>
        error ? reject(zipError(path, undefined, error)) : resolve(file),
      ),
    );
    try {
      return new ArchiveReader(path, zip, checkMembers(path, await readEntries(zip).catch((error: unknown) => Promise.reject(zipError(path, undefined, error)))));
    } catch (error) {
      zip.close();
      throw error;
    }
  }

  /** Uncompressed size of a member as the central directory states it. */
  size(member: MemberKey): number {
    return this.members.get(member)!.uncompressedSize;
  }

  /** The member's bytes as a stream (decompressed, size- and CRC-checked by yauzl); damage surfaces as ArchiveFormatError. */
  stream(member: MemberKey): Promise<Readable> {
    const name = ARCHIVE_MEMBERS[member];
    return new Promise((resolve, reject) =>
      this.zip.openReadStream(this.members.get(member)!, (error, stream) => {
        if (error) return reject(zipError(this.path, name, error));
        const typed = new PassThrough();
        stream.once('error', (streamError) => typed.destroy(zipError(this.path, name, streamError)));
        resolve(stream.pipe(typed));
      }),
    );
  }

  async manifestText(): Promise<string> {
    if (this.size('manifest') > MAX_MANIFEST_BYTES) throw new ArchiveManifestError(this.path, 'size', `is over ${MAX_MANIFEST_BYTES} bytes`);
    const chunks: Buffer[] = [];
    for await (const chunk of await this.stream('manifest')) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  close(): void {
    this.zip.close();
  }
}

function zipError(archive: string, member: string | undefined, error: unknown): ArchiveFormatError {
  return new ArchiveFormatError(archive, member, error instanceof Error ? error.message : String(error), { cause: error });
}

function readEntries(zip: ZipFile): Promise<Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: Entry[] = [];
    zip.on('entry', (entry: Entry) => {
      entries.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(entries));
    zip.once('error', reject);
    zip.readEntry();
  });
}

function checkMembers(archive: string, entries: readonly Entry[]): Map<MemberKey, Entry> {
  const byName = new Map<string, MemberKey>(Object.entries(ARCHIVE_MEMBERS).map(([key, name]) => [name, key as MemberKey]));
  const members = new Map<MemberKey, Entry>();
  for (const entry of entries) {
    const name = entry.fileNameRaw.toString('latin1');
    const problem = memberNameProblem(entry.fileNameRaw);
    if (problem !== undefined) throw new UnsafeArchiveMemberError(archive, name, UNSAFE_NAME[problem]);
    const key = byName.get(name);
    if (key === undefined) throw new UnsafeArchiveMemberError(archive, name, `is not one of ${Object.values(ARCHIVE_MEMBERS).join(', ')}`);
    if (members.has(key)) throw new UnsafeArchiveMemberError(archive, name, 'appears twice');
    const mode = entry.externalFileAttributes >>> 16;
    if (entry.versionMadeBy >> 8 === UNIX_HOST && mode !== 0 && (mode & S_IFMT) !== S_IFREG) throw new UnsafeArchiveMemberError(archive, name, 'is not a regular file (a link or device)');
    if (entry.isEncrypted()) throw new UnsafeArchiveMemberError(archive, name, 'is encrypted');
    members.set(key, entry);
  }
  for (const [key, name] of Object.entries(ARCHIVE_MEMBERS)) {
    if (!members.has(key as MemberKey)) throw new ArchiveManifestError(archive, 'members', `lack ${name}`);
  }
  return members;
}

/** How UnsafeArchiveMemberError words each problem of the shared zip name rule. */
const UNSAFE_NAME: Record<MemberNameProblem, string> = {
  empty: 'has no name',
  'too-long': 'has an overlong name',
  nul: 'contains a NUL byte',
  absolute: 'is an absolute path',
  'dot-dot': 'contains .., which could climb out of the target directory',
  slash: 'has a directory part',
  backslash: 'has a directory part',
  'non-printable': 'contains control, space or non-ASCII characters',
};
