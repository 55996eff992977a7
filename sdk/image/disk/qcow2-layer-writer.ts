import { readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { createPrivateFile } from '../../files/index.js';
import { CHUNK_SIZE, chunkCount, type ChunkRange } from './chunk.js';
import { Qcow2LayerSpecError } from './errors.js';

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
const ZERO = -1;
/** Appended bytes gathered into one pwrite: 1 MiB (ChunkFile says why). */
const PENDING_BYTES = 1 << 20;

/** The cluster size synthesis uses: measured against 64 KiB in README's Benchmark section. */
export const LAYER_CLUSTER_SIZE = 4096;

export interface Qcow2LayerOptions {
  /** Virtual size in bytes, whole 4 KiB chunks: the backing file's size. */
  size: number;
  /** The raw backing file's absolute path, as QEMU will open it. */
  backing: string;
  /**
   * Reads backing chunks `first` … `first + count − 1` into `into`: what fills the rest of a
   * cluster larger than a chunk when part of it is written (QEMU's copy-on-write, done here once).
   */
  readBacking(first: number, count: number, into: Buffer): Buffer;
  /** A power of two from 4 KiB to 1 MiB; default LAYER_CLUSTER_SIZE. */
  clusterSize?: number;
}

/**
 * Writes a qcow2 v3 layer over a raw backing file chunk by chunk, in any order, each chunk's data
 * appended to the file as it comes; chunks marked zeroed read as zero without data. Implements
 * the ChunkStore shape synthesis applies overlay items to (reads see earlier writes). Sync I/O, as
 * in ChunkFile, for the same reason.
 *
 * @example
 * const layer = await Qcow2LayerWriter.create('/vm/disk.qcow2', { size, backing: '/bases/x/disk.raw', readBacking: (f, n, into) => base.readRun(f, n, into) });
 * await layer.write(7, chunk); layer.zero([{ first: 100, count: 16 }]); await layer.finish();
 */
export class Qcow2LayerWriter {
  /** L2 tables by L1 index: 0 unallocated (reads the backing file), ZERO, or a host offset. */
  private readonly tables = new Map<number, Float64Array>();
  private readonly pending: { start: number; length: number; bytes: Buffer };
  private readonly perTable: number;
  private readonly chunksPerCluster: number;
  private next: number;
  private finished = false;

  private constructor(readonly path: string, private readonly file: FileHandle, readonly chunks: number, private readonly clusterSize: number, private readonly options: Qcow2LayerOptions) {
    this.perTable = clusterSize / 8;
    this.chunksPerCluster = clusterSize / CHUNK_SIZE;
    this.next = clusterSize;
    this.pending = { start: clusterSize, length: 0, bytes: Buffer.allocUnsafe(Math.max(PENDING_BYTES, clusterSize)) };
  }

  /** Creates the layer as a new private file (refusing an existing path); finish() completes it. */
  static async create(path: string, options: Qcow2LayerOptions): Promise<Qcow2LayerWriter> {
    const clusterSize = options.clusterSize ?? LAYER_CLUSTER_SIZE;
    const bits = Math.log2(clusterSize);
    if (!Number.isInteger(bits) || bits < 12 || bits > 20) throw new Qcow2LayerSpecError('clusterSize', clusterSize, 'a power of two from 4096 to 1048576');
    const name = Buffer.byteLength(options.backing);
    if (!isAbsolute(options.backing) || name > Math.min(MAX_BACKING_NAME, clusterSize - BACKING_NAME_OFFSET)) {
      throw new Qcow2LayerSpecError('backing', options.backing, `an absolute path of at most ${Math.min(MAX_BACKING_NAME, clusterSize - BACKING_NAME_OFFSET)} bytes`);
    }
    const chunks = chunkCount(path, options.size);
    const file = await createPrivateFile(path, { read: true });
    return new Qcow2LayerWriter(path, file, chunks, clusterSize, options);
  }

  async read(index: number): Promise<Buffer> {
    const { cluster, within } = this.locate(index);
    const entry = this.entry(cluster);
    if (entry === ZERO) return Buffer.alloc(CHUNK_SIZE);
    if (entry === 0) return Buffer.from(this.options.readBacking(index, 1, Buffer.allocUnsafe(CHUNK_SIZE)));
    return this.get(entry + within, Buffer.allocUnsafe(CHUNK_SIZE));
  }

  async write(index: number, data: Buffer): Promise<void> {
    if (data.length !== CHUNK_SIZE) throw new Qcow2LayerSpecError('chunk', data.length, `${CHUNK_SIZE} bytes`);
    const { cluster, within } = this.locate(index);
    this.put(this.allocate(cluster) + within, data);
  }

  /** Makes the chunks of `ranges` read as zero: whole clusters by the zero flag, parts of clusters by zero bytes. */
  zero(ranges: readonly ChunkRange[]): void {
    const zeros = Buffer.alloc(CHUNK_SIZE);
    for (const { first, count } of ranges) {
      for (let index = first; index < first + count; ) {
        const { cluster } = this.locate(index);
        const clusterFirst = cluster * this.chunksPerCluster;
        const clusterEnd = Math.min(clusterFirst + this.chunksPerCluster, this.chunks);
        const end = Math.min(first + count, clusterEnd);
        const entry = this.entry(cluster);
        if (index === clusterFirst && end === clusterEnd && entry <= 0) this.setEntry(cluster, ZERO);
        else if (entry !== ZERO) for (let i = index; i < end; i++) this.put(this.allocate(cluster) + (i - clusterFirst) * CHUNK_SIZE, zeros);
        index = end;
      }
    }
  }

  /** Writes the tables and the header; the file is a complete qcow2 image afterwards. Returns the data clusters' bytes. */
  async finish(): Promise<{ dataBytes: number; fileBytes: number }> {
    this.flush();
    const c = this.clusterSize;
    const dataEnd = this.next;
    const l1Entries = Math.ceil(this.chunks / this.chunksPerCluster / this.perTable);
    const slots = [...this.tables.keys()].sort((a, b) => a - b);
    const l1Offset = dataEnd + slots.length * c;
    const refOffset = l1Offset + Math.ceil((l1Entries * 8) / c) * c;
    const { blocks, tableClusters } = refcountSpace(refOffset / c, c);
    const tableOffset = refOffset + blocks * c;
    const total = tableOffset / c + tableClusters;

    const l1 = Buffer.alloc(Math.ceil((l1Entries * 8) / c) * c);
    slots.forEach((slot, k) => {
      const offset = dataEnd + k * c;
      writeEntry(l1, slot * 8, offset);
      this.writeAt(l2Bytes(this.tables.get(slot)!, c), offset);
    });
    this.writeAt(l1, l1Offset);
    const perBlock = c / 2;
    const refTable = Buffer.alloc(tableClusters * c);
    for (let b = 0; b < blocks; b++) {
      const block = Buffer.alloc(c);
      for (let i = 0; i < perBlock && b * perBlock + i < total; i++) block.writeUInt16BE(1, i * 2);
      this.writeAt(block, refOffset + b * c);
      refTable.writeUInt32BE(Math.floor((refOffset + b * c) / 2 ** 32), b * 8);
      refTable.writeUInt32BE((refOffset + b * c) >>> 0, b * 8 + 4);
    }
    this.writeAt(refTable, tableOffset);
    this.writeAt(this.header({ l1Entries, l1Offset, tableOffset, tableClusters }), 0);
    this.finished = true;
    return { dataBytes: dataEnd - c, fileBytes: total * c };
  }

  async close(): Promise<void> {
    try {
      if (!this.finished) this.flush();
    } finally {
      await this.file.close();
    }
  }

  private header(at: { l1Entries: number; l1Offset: number; tableOffset: number; tableClusters: number }): Buffer {
    const header = Buffer.alloc(this.clusterSize);
    const u64 = (value: number, offset: number) => header.writeBigUInt64BE(BigInt(value), offset);
    header.writeUInt32BE(MAGIC, 0);
    header.writeUInt32BE(VERSION, 4);
    const name = Buffer.from(this.options.backing);
    u64(BACKING_NAME_OFFSET, 8);
    header.writeUInt32BE(name.length, 16);
    header.writeUInt32BE(Math.log2(this.clusterSize), 20);
    u64(this.chunks * CHUNK_SIZE, 24);
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

  private locate(index: number): { cluster: number; within: number } {
    if (!Number.isInteger(index) || index < 0 || index >= this.chunks) throw new Qcow2LayerSpecError('chunk index', index, `an integer from 0 to ${this.chunks - 1}`);
    return { cluster: Math.floor(index / this.chunksPerCluster), within: (index % this.chunksPerCluster) * CHUNK_SIZE };
  }

  private entry(cluster: number): number {
    return this.tables.get(Math.floor(cluster / this.perTable))?.[cluster % this.perTable] ?? 0;
  }

  private setEntry(cluster: number, value: number): void {
    const slot = Math.floor(cluster / this.perTable);
    let table = this.tables.get(slot);
    if (!table) this.tables.set(slot, (table = new Float64Array(this.perTable)));
    table[cluster % this.perTable] = value;
  }

  /** The host offset of `cluster`, appended now if new: filled with the backing file's bytes (zeros for a zero cluster) unless a chunk is the whole cluster. */
  private allocate(cluster: number): number {
    const entry = this.entry(cluster);
    if (entry > 0) return entry;
    const host = this.next;
    this.next += this.clusterSize;
    this.setEntry(cluster, host);
    if (this.chunksPerCluster > 1) {
      const fill = Buffer.alloc(this.clusterSize);
      const first = cluster * this.chunksPerCluster;
      if (entry !== ZERO) this.options.readBacking(first, Math.min(this.chunksPerCluster, this.chunks - first), fill);
      this.put(host, fill);
    }
    return host;
  }

  /** Writes `bytes` at host offset `at`: appended to the pending run, into it, or straight to the file before it. */
  private put(at: number, bytes: Buffer): void {
    const { pending } = this;
    const end = pending.start + pending.length;
    if (at >= pending.start && at + bytes.length <= end) {
      bytes.copy(pending.bytes, at - pending.start);
    } else if (at === end) {
      if (pending.length + bytes.length > pending.bytes.length) this.flush();
      bytes.copy(pending.bytes, pending.length);
      pending.length += bytes.length;
    } else {
      this.writeAt(bytes, at);
    }
  }

  private get(at: number, into: Buffer): Buffer {
    const { pending } = this;
    if (at >= pending.start && at + into.length <= pending.start + pending.length) return Buffer.from(pending.bytes.subarray(at - pending.start, at - pending.start + into.length));
    for (let done = 0; done < into.length; ) {
      const n = readSync(this.file.fd, into, done, into.length - done, at + done);
      if (n === 0) throw new RangeError(`${this.path}: no bytes at ${at + done}, inside a cluster written before`);
      done += n;
    }
    return into;
  }

  private flush(): void {
    const { pending } = this;
    this.writeAt(pending.bytes.subarray(0, pending.length), pending.start);
    pending.start += pending.length;
    pending.length = 0;
  }

  private writeAt(bytes: Buffer, at: number): void {
    for (let done = 0; done < bytes.length; ) done += writeSync(this.file.fd, bytes, done, bytes.length - done, at + done);
  }
}

/** Refcount blocks and refcount table clusters that count `used` clusters and themselves. */
function refcountSpace(used: number, clusterSize: number): { blocks: number; tableClusters: number } {
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

function l2Bytes(table: Float64Array, clusterSize: number): Buffer {
  const bytes = Buffer.alloc(clusterSize);
  table.forEach((value, i) => {
    if (value === ZERO) bytes.writeUInt32BE(1, i * 8 + 4);
    else if (value > 0) writeEntry(bytes, i * 8, value);
  });
  return bytes;
}

/** An allocated entry: the host offset with the copied flag (every cluster's refcount is 1). */
function writeEntry(bytes: Buffer, at: number, offset: number): void {
  bytes.writeUInt32BE((COPIED | Math.floor(offset / 2 ** 32)) >>> 0, at);
  bytes.writeUInt32BE(offset >>> 0, at + 4);
}
