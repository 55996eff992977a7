import { readSync, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { createPrivateFile } from '../../files/index.js';
import { CHUNK_SIZE, chunkCount, type ChunkRange } from './chunk.js';
import { Qcow2LayerSpecError } from './errors.js';
import { encodeHeader, encodeL2, encodeRefcounts, maxBackingName, refcountSpace, writeEntry, ZERO_CLUSTER } from './qcow2-layer-format.js';

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
 * Writes a qcow2 v3 layer (qcow2-layer-format.ts) over a raw backing file chunk by chunk, in any order, each chunk's data
 * appended to the file as it comes; chunks marked zeroed read as zero without data. Implements
 * the ChunkStore shape synthesis applies overlay items to (reads see earlier writes). Sync I/O, as
 * in ChunkFile, for the same reason.
 *
 * @example
 * const layer = await Qcow2LayerWriter.create('/vm/disk.qcow2', { size, backing: '/bases/x/disk.raw', readBacking: (f, n, into) => base.readRun(f, n, into) });
 * await layer.write(7, chunk); layer.zero([{ first: 100, count: 16 }]); await layer.finish();
 */
export class Qcow2LayerWriter {
  /** L2 tables by L1 index: 0 unallocated (reads the backing file), ZERO_CLUSTER, or a host offset. */
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
    if (!isAbsolute(options.backing) || Buffer.byteLength(options.backing) > maxBackingName(clusterSize)) {
      throw new Qcow2LayerSpecError('backing', options.backing, `an absolute path of at most ${maxBackingName(clusterSize)} bytes`);
    }
    const chunks = chunkCount(path, options.size);
    const file = await createPrivateFile(path, { read: true });
    return new Qcow2LayerWriter(path, file, chunks, clusterSize, options);
  }

  async read(index: number): Promise<Buffer> {
    const { cluster, within } = this.locate(index);
    const entry = this.entry(cluster);
    if (entry === ZERO_CLUSTER) return Buffer.alloc(CHUNK_SIZE);
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
        if (index === clusterFirst && end === clusterEnd && entry <= 0) this.setEntry(cluster, ZERO_CLUSTER);
        else if (entry !== ZERO_CLUSTER) for (let i = index; i < end; i++) this.put(this.allocate(cluster) + (i - clusterFirst) * CHUNK_SIZE, zeros);
        index = end;
      }
    }
  }

  /** Writes the tables and the header (layout: qcow2-layer-format.ts); the file is a complete qcow2 image afterwards. Returns the data clusters' bytes. */
  async finish(): Promise<{ dataBytes: number; fileBytes: number }> {
    this.flush();
    const c = this.clusterSize;
    const dataEnd = this.next;
    const l1Entries = Math.ceil(this.chunks / this.chunksPerCluster / this.perTable);
    const slots = [...this.tables.keys()].sort((a, b) => a - b);
    const l1 = Buffer.alloc(Math.ceil((l1Entries * 8) / c) * c);
    const l1Offset = dataEnd + slots.length * c;
    const refOffset = l1Offset + l1.length;
    const space = refcountSpace(refOffset / c, c);
    const tableOffset = refOffset + space.blocks * c;
    const total = tableOffset / c + space.tableClusters;
    slots.forEach((slot, k) => {
      writeEntry(l1, slot * 8, dataEnd + k * c);
      this.writeAt(encodeL2(this.tables.get(slot)!, c), dataEnd + k * c);
    });
    this.writeAt(l1, l1Offset);
    const refcounts = encodeRefcounts(total, space, refOffset, c);
    this.writeAt(refcounts.blocks, refOffset);
    this.writeAt(refcounts.table, tableOffset);
    this.writeAt(encodeHeader({ clusterSize: c, chunks: this.chunks, backing: this.options.backing, l1Entries, l1Offset, tableOffset, tableClusters: space.tableClusters }), 0);
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
      if (entry !== ZERO_CLUSTER) this.options.readBacking(first, Math.min(this.chunksPerCluster, this.chunks - first), fill);
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
