/**
 * The canonical form of a memory snapshot: the header and block list, then ONE RAM section (END)
 * holding each page once in the caller's order, then the device state. Page identity is then
 * independent of how QEMU happened to split its iterations, which is what synthesis needs.
 *
 * Dropping zero pages relies on the destination's RAM being zero before the stream loads:
 * true for `-incoming` and `virsh restore` (guest RAM is fresh anonymous memory; ROM blocks are
 * reloaded from the same firmware files, and their zero pages are zero there too). Keeping them
 * costs 9 bytes per page and relies on nothing.
 */
import type { ByteSink } from './byte-sink.js';
import { StreamWriterError } from './errors.js';
import { PageFile } from './page-file.js';
import { PageIndex } from './page-index.js';
import { PAGE_SIZE, type DeviceState, type RamPage, type StreamHeader } from './stream-format.js';
import { MigrationStreamReader } from './stream-reader.js';
import { MigrationStreamWriter } from './stream-writer.js';

export interface CanonicalStreamInput {
  header: StreamHeader;
  /** Each (block, offset) at most once; any order (QEMU loads in stream order). */
  pages: AsyncIterable<RamPage> | Iterable<RamPage>;
  deviceState: DeviceState;
  /** 'keep' (default) writes ZERO records; 'drop' leaves them out. */
  zeroPages?: 'keep' | 'drop';
}

export interface CanonicalStreamResult {
  bytes: number;
  dataPages: number;
  zeroPages: number;
  droppedZeroPages: number;
}

/**
 * Writes a canonical stream; throws StreamWriterError if a page comes twice.
 *
 * @example
 * await writeCanonicalStream(sink, { header, pages: file.pages(index.entries()), deviceState, zeroPages: 'drop' });
 */
export async function writeCanonicalStream(sink: ByteSink, input: CanonicalStreamInput): Promise<CanonicalStreamResult> {
  const writer = new MigrationStreamWriter(sink, input.header);
  const seen = new Map(input.header.blocks.map((block) => [block.id, new Uint8Array(block.length / PAGE_SIZE)]));
  const result: CanonicalStreamResult = { bytes: 0, dataPages: 0, zeroPages: 0, droppedZeroPages: 0 };
  await writer.beginSection('end');
  for await (const page of input.pages) {
    const marks = seen.get(page.block);
    const slot = page.offset / PAGE_SIZE;
    const where = `${page.block}+0x${page.offset.toString(16)}`;
    if (!marks || !Number.isInteger(slot) || slot < 0 || slot >= marks.length) {
      throw new StreamWriterError(writer.bytesWritten, 'page outside the block list', where);
    }
    if (marks[slot] === 1) throw new StreamWriterError(writer.bytesWritten, 'page given twice', where);
    marks[slot] = 1;
    if (page.zero && input.zeroPages === 'drop') {
      result.droppedZeroPages++;
      continue;
    }
    await writer.writePage(page);
    if (page.zero) result.zeroPages++;
    else result.dataPages++;
  }
  await writer.finish(input.deviceState);
  result.bytes = writer.bytesWritten;
  return result;
}

/**
 * Rewrites the stream stored in `inputPath` (from byte `offset`) into canonical form: the final
 * copy of every page, in block order. Two passes over the input: index, then copy.
 *
 * @example
 * const sink = await fileSink('vm.canonical.mem');
 * await canonicalizeStreamFile('vm.mem', sink, { zeroPages: 'drop' });
 * await sink.close();
 */
export async function canonicalizeStreamFile(
  inputPath: string,
  sink: ByteSink,
  options: { offset?: number; zeroPages?: 'keep' | 'drop' } = {},
): Promise<CanonicalStreamResult> {
  const stream = await MigrationStreamReader.openFile(inputPath, options.offset ?? 0);
  const index = await PageIndex.fromStream(stream);
  const deviceState = await stream.deviceState();
  const file = await PageFile.open(inputPath);
  try {
    return await writeCanonicalStream(sink, {
      header: stream.header,
      pages: file.pages(index.entries()),
      deviceState,
      zeroPages: options.zeroPages ?? 'keep',
    });
  } finally {
    await file.close();
  }
}
