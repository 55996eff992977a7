/**
 * Writes a QEMU migration stream (layout in stream-format.ts) from a header, RAM sections of page
 * records, and opaque device state. Every page is checked against the block list before it is
 * written, so what comes out is a stream QEMU's loader accepts, or an exception.
 */
import type { ByteSink } from './byte-sink.js';
import { parseDeviceState } from './device-state.js';
import { StreamWriterError } from './errors.js';
import { encodeBlockList, encodePageRecord, encodePageRun, EOS_RECORD, pageRunBound } from './ram-section.js';
import {
  PAGE_SIZE,
  QEVM_MAGIC,
  QEVM_VERSION,
  RAM_SECTION_ID,
  RAM_SECTION_VERSION,
  SectionType,
  type DeviceState,
  type RamBlock,
  type RamPage,
  type RamRecord,
  type StreamHeader,
} from './stream-format.js';

/** Names are written as u8 length + bytes (latin1 keeps one byte per character). */
const BLOCK_ID = /^[\x01-\xff]{1,255}$/;
const MACHINE_TYPE = /^[\x01-\xff]{1,256}$/;

export class MigrationStreamWriter {
  readonly #sink: ByteSink;
  readonly #header: StreamHeader;
  readonly #blocks: Map<string, RamBlock>;
  #state: 'new' | 'between' | 'in-section' | 'done' = 'new';
  #lastBlock: string | undefined;
  #runBuffer = Buffer.alloc(0);
  /** The sink may already hold bytes (a libvirt header); offsets here count from the stream's start. */
  readonly #start: number;

  constructor(sink: ByteSink, header: StreamHeader) {
    this.#sink = sink;
    this.#start = sink.bytesWritten;
    this.#header = header;
    this.#blocks = new Map();
    for (const block of header.blocks) {
      if (this.#blocks.has(block.id) || !BLOCK_ID.test(block.id)) {
        throw new StreamWriterError(0, 'bad block id', JSON.stringify(block.id));
      }
      if (!Number.isSafeInteger(block.length) || block.length <= 0 || block.length % PAGE_SIZE !== 0) {
        throw new StreamWriterError(0, 'bad block length', `${block.id}: ${block.length}`);
      }
      this.#blocks.set(block.id, block);
    }
    if (this.#blocks.size === 0) throw new StreamWriterError(0, 'empty block list', 'no RAM blocks');
    if (header.machineType !== null && !MACHINE_TYPE.test(header.machineType)) {
      throw new StreamWriterError(0, 'bad machine type', JSON.stringify(header.machineType));
    }
    if (header.ramSection.versionId !== RAM_SECTION_VERSION || header.ramSection.instanceId !== 0) {
      throw new StreamWriterError(0, 'ram section', `instance ${header.ramSection.instanceId} version ${header.ramSection.versionId}`);
    }
  }

  /** Bytes of this stream written so far. */
  get bytesWritten(): number {
    return this.#sink.bytesWritten - this.#start;
  }

  /** Starts a PART or END section of RAM (closing the previous one). */
  async beginSection(type: 'part' | 'end'): Promise<void> {
    await this.#toBetween();
    const header = Buffer.allocUnsafe(5);
    header[0] = type === 'part' ? SectionType.PART : SectionType.END;
    header.writeUInt32BE(this.#header.ramSection.sectionId, 1);
    await this.#sink.write(header);
    this.#state = 'in-section';
  }

  /**
   * Writes one page record into the open section. The block name is omitted (CONTINUE) when the
   * previous record was of the same block, as QEMU does, unless `forceBlockName` is set.
   */
  async writePage(page: RamPage, forceBlockName = false): Promise<void> {
    if (this.#state !== 'in-section') throw new StreamWriterError(this.bytesWritten, 'page outside a RAM section', describe(page));
    const block = this.#blocks.get(page.block);
    if (!block) throw new StreamWriterError(this.bytesWritten, 'page of a block not in the header', describe(page));
    if (!Number.isSafeInteger(page.offset) || page.offset < 0 || page.offset % PAGE_SIZE !== 0 || page.offset >= block.length) {
      throw new StreamWriterError(this.bytesWritten, `page offset outside block of ${block.length} bytes`, describe(page));
    }
    if (!page.zero && page.data.length !== PAGE_SIZE) {
      throw new StreamWriterError(this.bytesWritten, `page data of ${page.data.length} bytes`, describe(page));
    }
    const continued = !forceBlockName && this.#lastBlock === page.block;
    for (const part of encodePageRecord(page, continued)) await this.#sink.write(part);
    this.#lastBlock = page.block;
  }

  /**
   * Writes the consecutive pages in `data` (whole pages) of `block` from `offset` on into the open
   * section, all-zero pages as ZERO records: one encoding pass and one sink write for the lot, which
   * is what lets synthesis emit a gigabyte of RAM at memory speed.
   */
  async writePageRun(block: string, offset: number, data: Uint8Array): Promise<void> {
    const where = `${block}+0x${offset.toString(16)} (${data.length} bytes)`;
    if (this.#state !== 'in-section') throw new StreamWriterError(this.bytesWritten, 'page outside a RAM section', where);
    const known = this.#blocks.get(block);
    if (!known) throw new StreamWriterError(this.bytesWritten, 'page of a block not in the header', where);
    if (!Number.isSafeInteger(offset) || offset < 0 || offset % PAGE_SIZE !== 0 || data.length % PAGE_SIZE !== 0 || offset + data.length > known.length) {
      throw new StreamWriterError(this.bytesWritten, `page run outside block of ${known.length} bytes`, where);
    }
    if (data.length === 0) return;
    const bound = pageRunBound(block, data.length / PAGE_SIZE);
    if (this.#runBuffer.length < bound) this.#runBuffer = Buffer.allocUnsafe(bound);
    // The sink copies what it is given before write() resolves, so one buffer serves every run.
    await this.#sink.write(encodePageRun(block, offset, data, this.#lastBlock === block, this.#runBuffer));
    this.#lastBlock = block;
  }

  /** Closes the RAM, appends the device state (checked again) and marks the stream complete. */
  async finish(deviceState: DeviceState): Promise<void> {
    await this.#toBetween();
    parseDeviceState(deviceState.bytes, this.bytesWritten);
    await this.#sink.write(deviceState.bytes);
    this.#state = 'done';
  }

  async #toBetween(): Promise<void> {
    if (this.#state === 'done') throw new StreamWriterError(this.bytesWritten, 'write after finish', 'stream already complete');
    if (this.#state === 'new') await this.#writeHeader();
    if (this.#state === 'in-section') await this.#endSection();
    this.#state = 'between';
  }

  async #writeHeader(): Promise<void> {
    const { machineType, ramSection } = this.#header;
    const id = Buffer.from(RAM_SECTION_ID, 'latin1');
    const parts: Buffer[] = [u32(QEVM_MAGIC), u32(QEVM_VERSION)];
    if (machineType !== null) {
      const name = Buffer.from(machineType, 'latin1');
      parts.push(Buffer.from([SectionType.CONFIGURATION]), u32(name.length), name);
    }
    parts.push(Buffer.from([SectionType.START]), u32(ramSection.sectionId), Buffer.from([id.length]), id);
    parts.push(u32(ramSection.instanceId), u32(ramSection.versionId), encodeBlockList(this.#header.blocks));
    await this.#sink.write(Buffer.concat(parts));
    this.#state = 'in-section';
  }

  async #endSection(): Promise<void> {
    const footer = Buffer.allocUnsafe(5);
    footer[0] = SectionType.FOOTER;
    footer.writeUInt32BE(this.#header.ramSection.sectionId, 1);
    await this.#sink.write(Buffer.concat([EOS_RECORD, footer]));
  }
}

/**
 * Writes a stream from records as MigrationStreamReader.records() yields them; with the reader's
 * header and device state this reproduces the original bytes exactly.
 *
 * @example
 * const stream = await MigrationStreamReader.openFile('in.mem');
 * const sink = await fileSink('out.mem');
 * await writeStream(sink, stream.header, stream.records(), () => stream.deviceState());
 * await sink.close();
 */
export async function writeStream(
  sink: ByteSink,
  header: StreamHeader,
  records: AsyncIterable<RamRecord> | Iterable<RamRecord>,
  deviceState: DeviceState | (() => Promise<DeviceState>),
): Promise<number> {
  const writer = new MigrationStreamWriter(sink, header);
  for await (const record of records) {
    if (record.kind === 'section') await writer.beginSection(record.type);
    else await writer.writePage(record, !record.continued);
  }
  await writer.finish(typeof deviceState === 'function' ? await deviceState() : deviceState);
  return writer.bytesWritten;
}

function u32(value: number): Buffer {
  const bytes = Buffer.allocUnsafe(4);
  bytes.writeUInt32BE(value, 0);
  return bytes;
}

function describe(page: RamPage): string {
  return `${page.block}+0x${page.offset.toString(16)}${page.zero ? ' (zero)' : ''}`;
}
