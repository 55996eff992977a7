/** Test helpers: overlay packages built piece by piece, so hostile tests can say exactly what lies. */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { encode } from '@msgpack/msgpack';
import { createOverlayPackage, type BlobDescription, type ChunkRange } from '../../../sdk/overlay/package/index.js';
import { encodeRanges } from '../../../sdk/overlay/package/chunk-ranges.js';
import { buildZip, type RawMember } from '../overlay/package/zip-bytes.js';

export interface CraftedPackage {
  baseVmId: string;
  diskSize: number;
  memorySize: number;
  blobs: Array<{ data: Buffer; describe: BlobDescription }>;
  zeroed?: ChunkRange[];
}

/** A package the writer accepts (its meta is valid), whatever the blobs hold. */
export async function craftPackage(path: string, spec: CraftedPackage): Promise<void> {
  const writer = await createOverlayPackage(path, { ...spec, createdBy: 'hostile-test' });
  for (const blob of spec.blobs) await writer.addBlob(blob.data, blob.describe);
  await writer.finish(spec.zeroed ?? []);
}

export interface RawBlob {
  name: string;
  data: Buffer;
  codec?: string;
  uncompressedSize?: number;
  disk?: ChunkRange[];
  memory?: ChunkRange[];
}

/** A package written without any of the writer's checks: meta fields and zip members as given. */
export async function craftRawPackage(
  path: string,
  spec: { baseVmId: string; diskSize: number; memorySize: number; version?: number; blobs: RawBlob[]; members?: (members: RawMember[]) => RawMember[] },
): Promise<void> {
  const meta = encode({
    format: 'cloudlet-overlay',
    version: spec.version ?? 1,
    base_vm_id: spec.baseVmId,
    chunk_size: 4096,
    disk_size: spec.diskSize,
    memory_size: spec.memorySize,
    created_by: 'hostile-test',
    disk_zeroed: [],
    blobs: spec.blobs.map((b) => ({
      name: b.name,
      codec: b.codec ?? 'none',
      size: b.data.length,
      uncompressed_size: b.uncompressedSize ?? b.data.length,
      sha256: createHash('sha256').update(b.data).digest('hex'),
      disk: encodeRanges(b.disk ?? []),
      memory: encodeRanges(b.memory ?? []),
    })),
  });
  const members: RawMember[] = [...spec.blobs.map((b) => ({ name: b.name, data: b.data })), { name: 'overlay-meta', data: Buffer.from(meta) }];
  await writeFile(path, buildZip(spec.members ? spec.members(members) : members));
}

/** Item stream v1 bytes (sdk/overlay/items/item-format.ts) from hand-made items, lengths unchecked. */
export function itemStream(items: Array<{ kind: 1 | 2; encoding: number; index: number; payload: Buffer }>): Buffer {
  const header = Buffer.alloc(16);
  header.write('CLOVITEM', 0, 'latin1');
  header.writeUInt16LE(1, 8);
  header.writeUInt32LE(4096, 12);
  const parts: Buffer[] = [header];
  for (const item of items) {
    const h = Buffer.alloc(16);
    h.writeUInt8(item.kind, 0);
    h.writeUInt8(item.encoding, 1);
    h.writeUInt16LE(item.payload.length, 2);
    h.writeBigUInt64LE(BigInt(item.index), 8);
    parts.push(h, item.payload);
  }
  const end = Buffer.alloc(16);
  end.writeBigUInt64LE(BigInt(items.length), 8);
  parts.push(end);
  return Buffer.concat(parts);
}

/** A u64 little-endian payload (base references), or kind + u64 for a self reference. */
export function u64(value: number, kind?: 1 | 2): Buffer {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64LE(BigInt(value));
  return kind === undefined ? bytes : Buffer.concat([Buffer.from([kind]), bytes]);
}
