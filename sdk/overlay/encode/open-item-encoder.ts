import { readHashList, readHashListHeader } from '../../image/disk/index.js';
import { ChunkFile, NO_CHUNKS, type ChunkReader } from '../chunk-io/index.js';
import { BaseDigestTable, Deduplicator } from '../dedup/index.js';
import { DeltaEncoder, type DeltaAlgorithm } from '../delta/index.js';
import { BaseHashListError } from './errors.js';
import { ItemEncoder } from './item-encoder.js';

/** A base image and its hash list (sdk/image/disk writeHashList, which hashes any raw file in 4 KiB chunks). */
export interface HashedImage {
  image: string;
  hashes: string;
}

export interface BaseFiles {
  disk: HashedImage;
  /** The base memory as a flat page file (page n at byte n·4096); absent for disk-only overlays. */
  memory?: HashedImage;
}

export interface OpenedItemEncoder {
  encoder: ItemEncoder;
  dedup: Deduplicator;
  delta: DeltaEncoder;
  close(): Promise<void>;
}

/**
 * Opens the base files and builds everything an ItemEncoder needs: the base digest tables (two
 * streaming passes over each hash list; ~4.3 MiB per GiB of non-zero base) and the delta encoder.
 *
 * @example
 * const { encoder, close } = await openItemEncoder({ disk: { image: 'base.raw', hashes: 'base.hashes' } });
 * try { for await (const item of encoder.items(chunks)) write(item); } finally { await close(); }
 */
export async function openItemEncoder(base: BaseFiles, options: { delta?: DeltaAlgorithm } = {}): Promise<OpenedItemEncoder> {
  const opened: ChunkFile[] = [];
  const close = async () => {
    await Promise.all(opened.map((file) => file.close()));
  };
  try {
    const open = async (files: HashedImage | undefined): Promise<{ table: BaseDigestTable; reader: ChunkReader }> => {
      if (files === undefined) return { table: await BaseDigestTable.build(async function* () {}), reader: NO_CHUNKS };
      const reader = await ChunkFile.open(files.image);
      opened.push(reader);
      const header = await readHashListHeader(files.hashes);
      if (header.chunkCount !== reader.chunks) throw new BaseHashListError(files.hashes, files.image, header.chunkCount, reader.chunks);
      return { table: await BaseDigestTable.build(() => readHashList(files.hashes)), reader };
    };
    const memory = await open(base.memory);
    const disk = await open(base.disk);
    const dedup = new Deduplicator({ memory, disk });
    const delta = await DeltaEncoder.create(options.delta);
    const encoder = new ItemEncoder({ base: { memory: memory.reader, disk: disk.reader }, dedup, delta });
    return { encoder, dedup, delta, close };
  } catch (error) {
    await close();
    throw error;
  }
}
