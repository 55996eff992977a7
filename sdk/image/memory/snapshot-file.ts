/**
 * Opens a memory snapshot file as stock tools write it: a bare QEVM stream (QMP `migrate` to a
 * file) or a libvirt save image (`virsh save`: libvirt header, XML, then the QEVM stream).
 */
import { open } from 'node:fs/promises';
import { BadMagicError, LibvirtSaveHeaderError, UnsupportedStreamFeatureError } from './errors.js';
import { LIBVIRT_PARTIAL_MAGIC, LIBVIRT_SAVE_MAGIC, libvirtStreamOffset, readLibvirtSaveHeader, type LibvirtSaveHeader } from './libvirt-save-header.js';
import { MigrationStreamReader, type StreamReaderOptions } from './stream-reader.js';

export interface MemorySnapshot {
  path: string;
  /** The libvirt header of a `virsh save` image, null for a bare stream. */
  libvirt: LibvirtSaveHeader | null;
  /** File offset of the QEVM magic. */
  streamOffset: number;
  stream: MigrationStreamReader;
}

/**
 * Detects the file's format and opens its QEVM stream (header and block list already parsed).
 *
 * @example
 * const snapshot = await openMemorySnapshot('/var/lib/libvirt/qemu/save/vm.save');
 * console.log(snapshot.libvirt?.wasRunning, snapshot.stream.header.blocks);
 */
export async function openMemorySnapshot(path: string, options: StreamReaderOptions = {}): Promise<MemorySnapshot> {
  const magic = await readMagic(path);
  if (magic.subarray(0, 4).toString('latin1') === 'QEVM') {
    return { path, libvirt: null, streamOffset: 0, stream: await MigrationStreamReader.openFile(path, 0, options) };
  }
  const text = magic.toString('latin1');
  if (text !== LIBVIRT_SAVE_MAGIC && text !== LIBVIRT_PARTIAL_MAGIC) {
    throw new BadMagicError(0, `QEVM or ${LIBVIRT_SAVE_MAGIC}`, magic.toString('hex'));
  }
  const libvirt = await readLibvirtSaveHeader(path);
  if (!libvirt.complete) throw new LibvirtSaveHeaderError(0, 'save image is incomplete', LIBVIRT_PARTIAL_MAGIC);
  if (libvirt.compressed !== 0) {
    throw new UnsupportedStreamFeatureError(28, 'compressed libvirt save image', `format ${libvirt.compressed}; save with save_image_format = "raw"`);
  }
  const streamOffset = libvirtStreamOffset(libvirt);
  return { path, libvirt, streamOffset, stream: await MigrationStreamReader.openFile(path, streamOffset, options) };
}

async function readMagic(path: string): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const magic = Buffer.alloc(16);
    const { bytesRead } = await handle.read(magic, 0, 16, 0);
    return magic.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
