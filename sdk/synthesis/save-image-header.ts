import { encodeLibvirtSaveHeader } from '../image/memory/index.js';

export interface SaveImageHeaderParts {
  /** The domain XML libvirt restores: the caller's, built from trusted parts, never one read from an overlay. */
  domainXml: string;
  wasRunning: boolean;
}

/**
 * The libvirt save image header (libvirt-save-header.ts) for a synthesized memory snapshot, from
 * trusted parts only: the caller's domain XML, no cookie (libvirt then restores with the CPU the
 * XML describes). The XML embedded in an overlay is shown by info-overlay and nothing else.
 *
 * @example const header = saveImageHeader({ domainXml: xmlFromRegistry, wasRunning: true });
 */
export function saveImageHeader(parts: SaveImageHeaderParts): Buffer {
  return encodeLibvirtSaveHeader({ complete: true, wasRunning: parts.wasRunning, compressed: 0, xml: parts.domainXml, cookie: null });
}
