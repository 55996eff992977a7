export {
  PAGE_SIZE,
  QEVM_MAGIC,
  QEVM_VERSION,
  RamFlag,
  SectionType,
  describeRamFlags,
  type DeviceState,
  type RamBlock,
  type RamPage,
  type RamRecord,
  type RamSectionMark,
  type StreamHeader,
  type StreamPage,
} from './stream-format.js';
export { ByteReader, type ByteSource } from './byte-reader.js';
export { fileSink, writableSink, type ByteSink } from './byte-sink.js';
export { MigrationStreamReader, type StreamReaderOptions } from './stream-reader.js';
export { MigrationStreamWriter, writeStream } from './stream-writer.js';
export { parseDeviceState, describedDevices, DEFAULT_DEVICE_STATE_LIMIT } from './device-state.js';
export { PageIndex, changedPages, type PageEntry, type PageChange } from './page-index.js';
export { PageFile } from './page-file.js';
export { PageLayout, BlockLayoutMismatchError, PageAddressError } from './page-layout.js';
export { writeFlatPages, type FlatPages } from './flat-pages.js';
export { writeCanonicalStream, canonicalizeStreamFile, type CanonicalStreamInput, type CanonicalStreamResult } from './canonical-stream.js';
export {
  parseLibvirtSaveHeader,
  readLibvirtSaveHeader,
  encodeLibvirtSaveHeader,
  libvirtStreamOffset,
  LIBVIRT_HEADER_SIZE,
  type LibvirtSaveHeader,
} from './libvirt-save-header.js';
export { openMemorySnapshot, type MemorySnapshot } from './snapshot-file.js';
export * from './errors.js';
