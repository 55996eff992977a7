/**
 * The device state after the RAM sections: FULL sections (one per device, no length prefix), EOF,
 * then VMDESCRIPTION (u32 length + JSON). Only QEMU's per-device vmstate code knows where one FULL
 * section ends, so the whole run is kept as opaque bytes; what can be checked is its start and
 * that it ends with EOF + a VMDESCRIPTION whose length reaches exactly the end of the stream, which
 * is also how a stream cut inside the device state is caught.
 */
import { DeviceStateError } from './errors.js';
import { SectionType, type DeviceState } from './stream-format.js';

/** Device state of a 256 MB pc guest is about 110 KB; 64 MiB leaves room for big device models. */
export const DEFAULT_DEVICE_STATE_LIMIT = 64 << 20;

/**
 * Checks `bytes` (read from file offset `offset`) and returns them as DeviceState.
 * Throws DeviceStateError when the start is not FULL/EOF or the EOF + VMDESCRIPTION trailer is missing.
 */
export function parseDeviceState(bytes: Uint8Array, offset: number): DeviceState {
  const first = bytes[0];
  if (first !== SectionType.FULL && first !== SectionType.EOF) {
    throw new DeviceStateError(offset, 'bad-start', first === undefined ? 'end of stream' : `section type 0x${first.toString(16)}`);
  }
  const trailer = findVmDescription(bytes);
  if (trailer === undefined) {
    throw new DeviceStateError(
      offset + bytes.length,
      'no-vmdescription',
      `the ${bytes.length} bytes after the RAM do not end with EOF + VMDESCRIPTION (truncated stream?)`,
    );
  }
  return { offset, bytes, vmDescription: trailer };
}

/** The JSON of a trailing `EOF, VMDESCRIPTION, u32 n, n bytes` whose end is the end of `bytes`. */
function findVmDescription(bytes: Uint8Array): string | undefined {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // The JSON holds no NUL bytes, so scanning back for the EOF byte finds the trailer quickly.
  for (let at = view.length - 6; at >= 0; at--) {
    if (view[at] !== SectionType.EOF || view[at + 1] !== SectionType.VMDESCRIPTION) continue;
    if (view.readUInt32BE(at + 2) !== view.length - at - 6) continue;
    const json = view.toString('utf8', at + 6);
    if (isJsonObject(json)) return json;
  }
  return undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** Device names listed in the VMDESCRIPTION JSON (for reports; the JSON is untrusted, so only strings are taken). */
export function describedDevices(state: DeviceState): string[] {
  const parsed = JSON.parse(state.vmDescription) as { devices?: unknown };
  if (!Array.isArray(parsed.devices)) return [];
  return parsed.devices.flatMap((device: unknown) => {
    const name = (device as { name?: unknown } | null)?.name;
    return typeof name === 'string' ? [name] : [];
  });
}
