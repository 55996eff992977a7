import { stat } from 'node:fs/promises';
import { readVmState } from '../vm-state/index.js';
import { countChunks, openOverlayPackage, type TrustedKey } from '../package/index.js';

/** What an overlay package holds, after it was checked as synthesis would. */
export interface OverlayInfo {
  path: string;
  /** Bytes of the package file. */
  size: number;
  formatVersion: number;
  baseVmId: string;
  diskSize: number;
  memorySize: number;
  createdBy: string;
  /** The signer's key ID, verified when trusted keys were given (and refused unless one of them signed); null when unsigned. */
  signature: { keyId: string; verified: boolean } | null;
  diskZeroedChunks: number;
  blobs: Array<{ name: string; codec: string; size: number; uncompressedSize: number; sha256: string; diskChunks: number; memoryChunks: number }>;
  /** The VM state record (first blob), verified and decoded; its embedded domain XML is only measured. */
  vmState: {
    machineType: string | null;
    blocks: Array<{ id: string; length: number }>;
    deviceStateBytes: number;
    libvirt: { wasRunning: boolean; xmlBytes: number } | null;
  };
}

/**
 * Describes an overlay package after the same checks synthesis makes before using it: zip
 * structure, overlay-meta fields and claims, and the VM state record's checksum and format.
 * Item blobs are listed from the meta, not decompressed. With `trustedKeys`, a package not signed by
 * one of them is refused as synthesis would refuse it.
 *
 * @example const info = await overlayInfo('vm.overlay'); info.signature?.keyId
 */
export async function overlayInfo(path: string, options: { trustedKeys?: readonly TrustedKey[] } = {}): Promise<OverlayInfo> {
  const pkg = await openOverlayPackage(path, { expectedBaseVmId: null, ...(options.trustedKeys ? { trustedKeys: options.trustedKeys } : {}) });
  try {
    const { meta } = pkg;
    const { state } = await readVmState(pkg);
    return {
      path,
      size: (await stat(path)).size,
      formatVersion: pkg.formatVersion,
      baseVmId: meta.baseVmId,
      diskSize: meta.diskSize,
      memorySize: meta.memorySize,
      createdBy: meta.createdBy,
      signature: pkg.signer,
      diskZeroedChunks: countChunks(meta.diskZeroed),
      blobs: meta.blobs.map((blob) => ({
        name: blob.name,
        codec: blob.codec,
        size: blob.size,
        uncompressedSize: blob.uncompressedSize,
        sha256: blob.sha256,
        diskChunks: countChunks(blob.disk),
        memoryChunks: countChunks(blob.memory),
      })),
      vmState: {
        machineType: state.header.machineType,
        blocks: state.header.blocks.map((block) => ({ id: block.id, length: block.length })),
        deviceStateBytes: state.deviceState.bytes.length,
        libvirt: state.libvirt === null ? null : { wasRunning: state.libvirt.wasRunning, xmlBytes: Buffer.byteLength(state.libvirt.untrustedXml) },
      },
    };
  } finally {
    await pkg.close();
  }
}
