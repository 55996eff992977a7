import type { OverlayInfo } from './overlay-info.js';

/**
 * Renders overlayInfo() for a person: the meta, then one line per blob. Every string shown was
 * validated (printable ASCII names and IDs); the embedded domain XML is never printed.
 *
 * @example process.stdout.write(`${formatOverlayInfo(await overlayInfo('vm.overlay'))}\n`);
 */
export function formatOverlayInfo(info: OverlayInfo): string {
  const state = info.vmState;
  const lines = [
    `overlay ${info.path}: ${bytes(info.size)}, format v${info.formatVersion}, made by ${info.createdBy}`,
    `base VM ID   ${info.baseVmId}`,
    `signature    ${info.signature === null ? 'none (unsigned)' : `ed25519, key ID ${info.signature.keyId} (${info.signature.verified ? 'verified: a trusted key' : 'not verified: give --trust KEYFILE to check it'})`}`,
    `disk         ${bytes(info.diskSize)} (${info.diskZeroedChunks} chunks zeroed)`,
    `memory       ${bytes(info.memorySize)} in ${state.blocks.length} RAM blocks (${state.blocks.map((b) => b.id).join(', ')})`,
    `VM state     machine ${state.machineType ?? '(none)'}, device state ${bytes(state.deviceStateBytes)}, ${
      state.libvirt === null ? 'bare migration stream' : `libvirt save image (embedded XML of ${state.libvirt.xmlBytes} bytes is not used)`
    }`,
    `blobs        ${info.blobs.length}:`,
    ...info.blobs.map((b) => `  ${b.name.padEnd(18)} ${b.codec.padEnd(4)} ${bytes(b.size).padStart(10)} → ${bytes(b.uncompressedSize).padStart(10)}  ${b.diskChunks + b.memoryChunks === 0 ? 'VM state record' : `disk ${b.diskChunks}, memory ${b.memoryChunks} chunks`}  sha256 ${b.sha256.slice(0, 16)}…`),
  ];
  return lines.join('\n');
}

function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${value.toFixed(1)} ${units[unit]}`;
}
