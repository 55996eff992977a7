/**
 * Streaming reader of a QEMU migration stream (layout in stream-format.ts): the header up to the
 * RAM block list on open, then RAM records one at a time, then the device state as opaque bytes.
 * Memory use is bounded by the source's chunk size plus the device state.
 */
import { ByteReader, type ByteSource } from './byte-reader.js';
import { DEFAULT_DEVICE_STATE_LIMIT, parseDeviceState } from './device-state.js';
import {
  BadMagicError,
  DeviceStateError,
  MalformedStreamError,
  UnexpectedSectionError,
  UnsupportedStreamFeatureError,
  UnsupportedVersionError,
} from './errors.js';
import { RamRecordParser, readBlockList } from './ram-section.js';
import {
  QEVM_MAGIC,
  QEVM_VERSION,
  RAM_SECTION_ID,
  RAM_SECTION_VERSION,
  SectionType,
  type DeviceState,
  type RamRecord,
  type StreamHeader,
  type StreamPage,
} from './stream-format.js';

const MAX_MACHINE_TYPE_LENGTH = 256;

export interface StreamReaderOptions {
  /** Refuse device state larger than this many bytes (default 64 MiB). */
  deviceStateLimit?: number;
}

export class MigrationStreamReader {
  readonly #reader: ByteReader;
  readonly #parser: RamRecordParser;
  readonly #limit: number;
  #inSection = false;
  #ramDone = false;
  #deviceState: Promise<DeviceState> | undefined;

  private constructor(reader: ByteReader, readonly header: StreamHeader, limit: number) {
    this.#reader = reader;
    this.#parser = new RamRecordParser(header.blocks);
    this.#limit = limit;
  }

  /** Reads the header (magic, version, configuration, RAM block list) from `reader`. */
  static async open(reader: ByteReader, options: StreamReaderOptions = {}): Promise<MigrationStreamReader> {
    try {
      const header = await readHeader(reader);
      return new MigrationStreamReader(reader, header, options.deviceStateLimit ?? DEFAULT_DEVICE_STATE_LIMIT);
    } catch (error) {
      reader.close();
      throw error;
    }
  }

  /**
   * Opens the stream stored in `path` from byte `offset` (non-zero inside a libvirt save image).
   * All offsets reported (pages, errors) are offsets in that file.
   *
   * @example
   * const stream = await MigrationStreamReader.openFile('vm.mem');
   * for await (const page of stream.pages()) if (!page.zero) count++;
   * const devices = await stream.deviceState();
   */
  static openFile(path: string, offset = 0, options: StreamReaderOptions = {}): Promise<MigrationStreamReader> {
    return MigrationStreamReader.open(ByteReader.fromFile(path, offset), options);
  }

  /** Opens a stream arriving from any byte source (a pipe, a socket); `startOffset` labels its first byte. */
  static fromSource(source: ByteSource, startOffset = 0, options: StreamReaderOptions = {}): Promise<MigrationStreamReader> {
    return MigrationStreamReader.open(new ByteReader(source, startOffset), options);
  }

  /**
   * Every RAM section boundary and page record in stream order. Breaking out of the loop keeps the
   * position: a later call continues after the last record yielded. A refused stream is closed.
   */
  async *records(): AsyncGenerator<RamRecord> {
    try {
      yield* this.#records();
    } catch (error) {
      this.close();
      throw error;
    }
  }

  async *#records(): AsyncGenerator<RamRecord> {
    const { sectionId } = this.header.ramSection;
    for (;;) {
      if (this.#inSection) {
        const page = await this.#parser.next(this.#reader);
        if (page) {
          yield { kind: 'page', ...page };
          continue;
        }
        await readFooter(this.#reader, sectionId);
        this.#inSection = false;
      }
      if (this.#ramDone) return;
      const offset = this.#reader.offset;
      await this.#reader.need(1, 'section type');
      const type = this.#reader.peekU8();
      if (type === SectionType.FULL || type === SectionType.EOF) {
        this.#ramDone = true;
        return;
      }
      if (type !== SectionType.PART && type !== SectionType.END) await this.#refuseSection(type, offset);
      await this.#reader.need(5, 'RAM section header');
      this.#reader.u8();
      const id = this.#reader.u32();
      const name = type === SectionType.PART ? 'part' : 'end';
      if (id !== sectionId) throw new MalformedStreamError(offset, `section id of a ${name.toUpperCase()}`, `${id}, the ram section is ${sectionId}`);
      this.#inSection = true;
      yield { kind: 'section', type: name, sectionId: id, offset };
    }
  }

  /** The page records only (a page may appear more than once in a live-migration stream: the later one wins). */
  async *pages(): AsyncGenerator<StreamPage> {
    for await (const record of this.records()) {
      if (record.kind === 'page') yield record;
    }
  }

  /** The device state after the RAM; reads (and discards) any RAM records not yet consumed. */
  deviceState(): Promise<DeviceState> {
    this.#deviceState ??= this.#readDeviceState();
    return this.#deviceState;
  }

  /** Closes the underlying file early (after a partial read). */
  close(): void {
    this.#reader.close();
  }

  async #readDeviceState(): Promise<DeviceState> {
    for await (const _ of this.records());
    const offset = this.#reader.offset;
    const bytes = await this.#reader.rest(this.#limit);
    if (!bytes) throw new DeviceStateError(offset, 'too-large', `more than ${this.#limit} bytes after the RAM`);
    return parseDeviceState(bytes, offset);
  }

  async #refuseSection(type: number, offset: number): Promise<never> {
    if (type === SectionType.COMMAND) {
      throw new UnsupportedStreamFeatureError(offset, 'command section', 'QEMU_VM_COMMAND (postcopy, return path or COLO)');
    }
    if (type === SectionType.START) {
      const { idstr } = await readSectionHeader(this.#reader, type);
      throw new UnsupportedStreamFeatureError(offset, 'iterable section', `START "${idstr}" besides ram (block migration, dirty bitmaps?)`);
    }
    throw new UnexpectedSectionError(offset, type, 'PART, END, FULL or EOF');
  }
}

async function readHeader(reader: ByteReader): Promise<StreamHeader> {
  const start = reader.offset;
  await reader.need(8, 'QEVM magic and version');
  const magic = reader.u32();
  if (magic !== QEVM_MAGIC) throw new BadMagicError(start, 'QEVM (51 45 56 4d)', magic.toString(16).padStart(8, '0'));
  const version = reader.u32();
  if (version !== QEVM_VERSION) throw new UnsupportedVersionError(start + 4, 'QEVM stream', version, [QEVM_VERSION]);

  let machineType: string | null = null;
  await reader.need(1, 'first section type');
  if (reader.peekU8() === SectionType.CONFIGURATION) {
    reader.u8();
    await reader.need(4, 'configuration length');
    const length = reader.u32();
    // A machine type name is a few dozen bytes; never buffer what a corrupt length claims.
    if (length > MAX_MACHINE_TYPE_LENGTH) throw new MalformedStreamError(reader.offset - 4, 'configuration length', String(length));
    await reader.need(length, 'configuration machine type');
    machineType = reader.latin1(length);
    await reader.need(1, 'section type');
    if (reader.peekU8() === SectionType.SUBSECTION) {
      throw new UnsupportedStreamFeatureError(reader.offset, 'configuration subsection', 'x-ignore-shared, validate-uuid or non-default page size');
    }
  }

  const sectionOffset = reader.offset;
  const type = reader.peekU8();
  if (type === SectionType.COMMAND) throw new UnsupportedStreamFeatureError(sectionOffset, 'command section', 'QEMU_VM_COMMAND before RAM');
  if (type !== SectionType.START) throw new UnexpectedSectionError(sectionOffset, type, 'START of the ram section');
  const section = await readSectionHeader(reader, type);
  if (section.idstr !== RAM_SECTION_ID || section.instanceId !== 0) {
    throw new UnsupportedStreamFeatureError(sectionOffset, 'iterable section', `first START is "${section.idstr}" instance ${section.instanceId}, not ram`);
  }
  if (section.versionId !== RAM_SECTION_VERSION) {
    throw new UnsupportedVersionError(sectionOffset, 'ram section', section.versionId, [RAM_SECTION_VERSION]);
  }
  const blocks = await readBlockList(reader);
  const parser = new RamRecordParser(blocks);
  const eosOffset = reader.offset;
  if (await parser.next(reader)) throw new MalformedStreamError(eosOffset, 'page record in the ram START section', 'expected EOS');
  await readFooter(reader, section.sectionId);
  return {
    version: QEVM_VERSION,
    machineType,
    ramSection: { sectionId: section.sectionId, instanceId: section.instanceId, versionId: section.versionId },
    blocks,
  };
}

/** START/FULL header: type, u32 section id, u8 len, idstr, u32 instance id, u32 version id. */
async function readSectionHeader(reader: ByteReader, type: number) {
  await reader.need(6, 'section header');
  reader.u8();
  const sectionId = reader.u32();
  const idLength = reader.u8();
  await reader.need(idLength + 8, 'section id string, instance and version');
  const idstr = reader.latin1(idLength);
  return { type, sectionId, idstr, instanceId: reader.u32(), versionId: reader.u32() };
}

async function readFooter(reader: ByteReader, sectionId: number): Promise<void> {
  const offset = reader.offset;
  await reader.need(5, 'section footer');
  const marker = reader.u8();
  if (marker !== SectionType.FOOTER) throw new MalformedStreamError(offset, 'section footer missing', `byte 0x${marker.toString(16)}`);
  const id = reader.u32();
  if (id !== sectionId) throw new MalformedStreamError(offset, 'section footer id', `${id}, section is ${sectionId}`);
}
