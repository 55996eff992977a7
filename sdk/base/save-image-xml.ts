/**
 * Puts our own domain XML into a libvirt save image, in place. The binding's restore takes no
 * replacement XML (virDomainRestoreFlags' dxml), so the image itself must name the domain, disk and
 * console of where it now lives: a base saved in a temp directory and renamed, or imported from an
 * archive whose XML is untrusted. libvirt leaves 64 KiB of padding after the XML for exactly this,
 * so the header keeps its length and the QEVM stream stays where it is.
 */
import { open } from 'node:fs/promises';
import { encodeLibvirtSaveHeader, readLibvirtSaveHeader, type LibvirtSaveHeader } from '../image/memory/index.js';

/**
 * Replaces the domain XML of the save image at `path`; returns the header as it was before.
 *
 * @example await replaceSaveImageXml('/base/memory.save', buildDomainXml(spec));
 */
export async function replaceSaveImageXml(path: string, xml: string): Promise<LibvirtSaveHeader> {
  const before = await readLibvirtSaveHeader(path);
  // Same dataLength: encodeLibvirtSaveHeader refuses an XML that does not fit the existing space.
  const header = encodeLibvirtSaveHeader({ ...before, xml, dataLength: before.dataLength });
  const file = await open(path, 'r+');
  try {
    for (let done = 0; done < header.length; ) done += (await file.write(header, done, header.length - done, done)).bytesWritten;
    await file.sync();
  } finally {
    await file.close();
  }
  return before;
}
