import { CHUNK_SIZE } from './chunk.js';

/**
 * qcow2 layer, format v3 (QEMU's docs/interop/qcow2.txt) as this writer lays it out: a layer over a
 * raw backing file holding only the clusters written to it. c = cluster size = 2^cluster_bits; all
 * integers big-endian. Cluster 0:
 *
 * | off | size | field                                                              |
 * |-----|------|--------------------------------------------------------------------|
 * |  0  |  4   | magic "QFI\xfb"                                                    |
 * |  4  |  4   | version = 3                                                        |
 * |  8  |  8   | backing file name offset = 128                                     |
 * | 16  |  4   | backing file name length n (1 … c − 128, at most 1023)             |
 * | 20  |  4   | cluster_bits (12 … 20)                                             |
 * | 24  |  8   | virtual size in bytes (whole 4 KiB chunks)                         |
 * | 32  |  4   | encryption = 0                                                     |
 * | 36  |  4   | L1 entries = ⌈size / (c · c/8)⌉                                    |
 * | 40  |  8   | L1 table offset                                                    |
 * | 48  |  8   | refcount table offset                                              |
 * | 56  |  4   | refcount table clusters                                            |
 * | 60  |  4   | snapshots = 0                                                      |
 * | 64  |  8   | snapshot table offset = 0                                          |
 * | 72  | 24   | incompatible, compatible, autoclear features = 0                   |
 * | 96  |  4   | refcount_order = 4 (16-bit refcounts)                              |
 * | 100 |  4   | header length = 104                                                |
 * | 104 | 16   | extension 0xE2792ACA (backing format), length 3, "raw", padding    |
 * | 120 |  8   | end of extensions (type 0, length 0)                               |
 * | 128 |  n   | backing file name: an absolute path, not NUL-terminated            |
 *
 * Then, from cluster 1, data clusters in the order they were first written (the file grows as
 * the layer streams in); at finish() the L2 tables of the touched L1 slots, the L1 table, the
 * refcount blocks and the refcount table follow, and the header is written last. L1/L2 entries:
 * bit 63 "copied" (refcount 1), bits 9–55 host offset, L2 bit 0 "reads as zero" (with offset 0:
 * a zero cluster holding no data). An L2 entry of 0 reads the backing file. Every cluster of the
 * file is used exactly once (refcount 1): nothing leaks, `qemu-img check` finds nothing.
 */
const MAGIC = 0x514649fb;
const VERSION = 3;
const HEADER_LENGTH = 104;
const BACKING_FORMAT_EXTENSION = 0xe2792aca;
const BACKING_NAME_OFFSET = 128;
const MAX_BACKING_NAME = 1023;
const REFCOUNT_ORDER = 4;
/** Bit 63 of an L1/L2 entry, in its high 32-bit word. */
const COPIED = 0x80000000;
/** In-memory L2 value of a zero cluster (host offsets are positive: cluster 0 is the header). */
export const ZERO_CLUSTER = -1;

/** The longest backing file name a header of this cluster size holds. */
export function maxBackingName(clusterSize: number): number {
  return Math.min(MAX_BACKING_NAME, clusterSize - BACKING_NAME_OFFSET);
}

export interface HeaderFields {
  clusterSize: number;
  /** Virtual size in 4 KiB chunks. */
  chunks: number;
  backing: string;
  l1Entries: number;
  l1Offset: number;
  tableOffset: number;
  tableClusters: number;
}

/** Cluster 0: the header, the backing format extension and the backing file name. */
export function encodeHeader(at: HeaderFields): Buffer {
  const header = Buffer.alloc(at.clusterSize);
  const u64 = (value: number, offset: number) => header.writeBigUInt64BE(BigInt(value), offset);
  header.writeUInt32BE(MAGIC, 0);
  header.writeUInt32BE(VERSION, 4);
  const name = Buffer.from(at.backing);
  u64(BACKING_NAME_OFFSET, 8);
  header.writeUInt32BE(name.length, 16);
  header.writeUInt32BE(Math.log2(at.clusterSize), 20);
  u64(at.chunks * CHUNK_SIZE, 24);
  header.writeUInt32BE(at.l1Entries, 36);
  u64(at.l1Offset, 40);
  u64(at.tableOffset, 48);
  header.writeUInt32BE(at.tableClusters, 56);
  header.writeUInt32BE(REFCOUNT_ORDER, 96);
  header.writeUInt32BE(HEADER_LENGTH, 100);
  header.writeUInt32BE(BACKING_FORMAT_EXTENSION, 104);
  header.writeUInt32BE(3, 108);
  header.write('raw', 112, 'latin1');
  name.copy(header, BACKING_NAME_OFFSET);
  return header;
}

/** Refcount blocks giving clusters 0 … count − 1 refcount 1, and the refcount table naming the blocks, which start at `offset`. */
export function encodeRefcounts(count: number, space: { blocks: number; tableClusters: number }, offset: number, clusterSize: number): { blocks: Buffer; table: Buffer } {
  const blocks = Buffer.alloc(space.blocks * clusterSize);
  for (let cluster = 0; cluster < count; cluster++) blocks.writeUInt16BE(1, cluster * 2);
  const table = Buffer.alloc(space.tableClusters * clusterSize);
  for (let b = 0; b < space.blocks; b++) {
    table.writeUInt32BE(Math.floor((offset + b * clusterSize) / 2 ** 32), b * 8);
    table.writeUInt32BE((offset + b * clusterSize) >>> 0, b * 8 + 4);
  }
  return { blocks, table };
}

/** Refcount blocks and refcount table clusters that count `used` clusters and themselves. */
export function refcountSpace(used: number, clusterSize: number): { blocks: number; tableClusters: number } {
  let blocks = 1;
  let tableClusters = 1;
  for (;;) {
    const needBlocks = Math.ceil((used + blocks + tableClusters) / (clusterSize / 2));
    const needTable = Math.ceil((needBlocks * 8) / clusterSize);
    if (needBlocks === blocks && needTable === tableClusters) return { blocks, tableClusters };
    blocks = needBlocks;
    tableClusters = needTable;
  }
}

/** An L2 table from the writer's in-memory one: 0 unallocated, ZERO_CLUSTER, or a host offset. */
export function encodeL2(table: Float64Array, clusterSize: number): Buffer {
  const bytes = Buffer.alloc(clusterSize);
  table.forEach((value, i) => {
    if (value === ZERO_CLUSTER) bytes.writeUInt32BE(1, i * 8 + 4);
    else if (value > 0) writeEntry(bytes, i * 8, value);
  });
  return bytes;
}

/** An allocated entry: the host offset with the copied flag (every cluster's refcount is 1). */
export function writeEntry(bytes: Buffer, at: number, offset: number): void {
  bytes.writeUInt32BE((COPIED | Math.floor(offset / 2 ** 32)) >>> 0, at);
  bytes.writeUInt32BE(offset >>> 0, at + 4);
}
