/** Test helpers: a small generated base VM and a customized copy, disk made with qemu-io, memory with the SDK's stream writer. */
import { mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSink, parseDeviceState, writeCanonicalStream, type RamBlock, type RamPage, type StreamHeader } from '../../../../sdk/image/memory/index.js';
import { qcow2Overlay, rawImage } from '../../image/disk/images.js';
import { deviceTail } from '../../image/memory/hand-made-stream.js';
import { prng } from '../chunks.js';

export const BLOCKS: RamBlock[] = [
  { id: 'pc.ram', length: 2 << 20 },
  { id: 'pc.bios', length: 64 << 10 },
];
export const HEADER: StreamHeader = { version: 3, machineType: 'pc-i440fx-7.2', ramSection: { sectionId: 2, instanceId: 0, versionId: 4 }, blocks: BLOCKS };

export interface GeneratedVm {
  dir: string;
  base: { disk: string; memory: string };
  customized: { disk: string; diskFormat: 'qcow2'; memory: string };
  remove(): Promise<void>;
}

/** Guest-like page content: a few distinct byte patterns, some pages zero, reproducible from `seed`. */
export function pageContent(seed: number, page: number): Buffer | null {
  const random = prng(seed * 100003 + page + 1);
  const kind = random(8);
  if (kind === 0) return null;
  const data = Buffer.alloc(4096, kind);
  for (let i = 0; i < 64; i++) data[random(4096)] = random(256);
  return data;
}

/**
 * Writes a bare QEVM stream of `header` (default: BLOCKS) whose page n is pageContent(seed, n), changed where `changes` says.
 * An existing file is rewritten in place (same inode), as an editor or `cp` onto it would.
 */
export async function writeMemory(path: string, seed: number, changes: (page: number, data: Buffer | null) => Buffer | null = (_, d) => d, header: StreamHeader = HEADER): Promise<void> {
  const pages = async function* (): AsyncGenerator<RamPage> {
    let n = 0;
    for (const block of header.blocks) {
      for (let offset = 0; offset < block.length; offset += 4096, n++) {
        const data = changes(n, pageContent(seed, n));
        yield data === null ? { block: block.id, offset, zero: true } : { block: block.id, offset, zero: false, data };
      }
    }
  };
  const exists = await stat(path).then(() => true, () => false);
  if (exists) await truncate(path, 0);
  const sink = await fileSink(path, { append: exists });
  await writeCanonicalStream(sink, { header, pages: pages(), deviceState: parseDeviceState(deviceTail(), 0) });
  await sink.close();
}

/**
 * A 4 MiB base (patterns written with qemu-io) and a qcow2 customized disk changing, copying and
 * discarding chunks; memory of 528 pages where the customized one changes, zeroes and copies pages.
 */
export async function generatedVm(): Promise<GeneratedVm> {
  const dir = await mkdtemp(join(tmpdir(), 'overlay-vm-'));
  const base = { disk: join(dir, 'base.raw'), memory: join(dir, 'base.mem') };
  await rawImage(base.disk, 4 << 20, 'write -P 0x11 0 1M', 'write -P 0x22 1M 512k', 'write -P 0x33 3M 64k');
  const customized = { disk: join(dir, 'custom.qcow2'), diskFormat: 'qcow2' as const, memory: join(dir, 'custom.mem') };
  await qcow2Overlay(customized.disk, base.disk, [], 'write -P 0x44 8k 12k', 'write -P 0x11 2M 8k', 'write -P 0x55 3M 4k', 'write -z 512k 64k', 'write -P 0x66 4092k 4k');
  await writeMemory(base.memory, 1);
  await writeMemory(customized.memory, 1, (page, data) => {
    if (page % 7 === 3) return pageContent(2, page);
    if (page % 11 === 5) return null;
    if (page % 13 === 1) return pageContent(1, page + 1);
    return data;
  });
  return { dir, base, customized, remove: () => rm(dir, { recursive: true, force: true }) };
}
