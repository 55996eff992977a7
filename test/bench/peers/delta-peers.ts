/**
 * The whole-image delta peers: each image of the customized VM is encoded against the same image of
 * the base VM — the raw customized disk (the qcow2 converted with `qemu-img convert`; these tools
 * know no qcow2) against the raw base disk, the customized memory snapshot against the base one.
 * Synthesis applies the deltas to the base images.
 *
 * - zstd: `--patch-from=<base> --long=31 -19`. The window must hold base + new image, and 31 is
 *   zstd's maximum (2 GiB): this is why the dataset's disk is 1 GiB.
 * - xdelta3: `-9 -S lzma`, the paper's baseline (xdelta3 + LZMA). Its source window (-B, default
 *   64 MiB) is raised to cover the whole base image: memory snapshots do not keep pages at the same
 *   file offsets (zero pages take 9 bytes in the stream, data pages 4 KiB), so a sliding 64 MiB
 *   window would miss most matches and misrepresent the tool.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { measure, sequential } from './measure.js';
import { assertSameBytes, shippedSize, type Peer, type PeerInput, type PeerResult } from './peer.js';

interface DeltaPart {
  base: string;
  target: string;
  patch: string;
  rebuilt: string;
}

interface DeltaTool {
  encode(part: DeltaPart): Promise<string[]>;
  decode(part: DeltaPart): Promise<string[]>;
}

export const zstdPeer: Peer = deltaPeer('zstd', 'zstd --patch-from --long=31 -19', 'zstd', {
  encode: async ({ base, target, patch }) => ['-q', '-f', '-19', '--long=31', `--patch-from=${base}`, target, '-o', patch],
  decode: async ({ base, patch, rebuilt }) => ['-q', '-f', '-d', '--long=31', `--patch-from=${base}`, patch, '-o', rebuilt],
});

export const xdeltaPeer: Peer = deltaPeer('xdelta3', 'xdelta3 -9 -S lzma', 'xdelta3', {
  encode: async ({ base, target, patch }) => ['-f', '-e', '-9', '-S', 'lzma', '-B', await sourceWindow(base), '-s', base, target, patch],
  decode: async ({ base, patch, rebuilt }) => ['-f', '-d', '-B', await sourceWindow(base), '-s', base, patch, rebuilt],
});

function deltaPeer(id: string, label: string, command: string, tool: DeltaTool): Peer {
  return {
    id,
    label,
    needsRawDisk: true,
    async run({ dataset, customRawDisk, work }: PeerInput): Promise<PeerResult> {
      const disk: DeltaPart = { base: dataset.baseDisk, target: customRawDisk, patch: join(work, 'disk.patch'), rebuilt: join(work, 'disk.raw') };
      const memory: DeltaPart = { base: dataset.baseMemory, target: dataset.customMemory, patch: join(work, 'memory.patch'), rebuilt: join(work, 'memory') };
      const parts = [disk, memory];
      const create = [];
      for (const part of parts) create.push(await measure(work, command, await tool.encode(part)));
      const synth = [];
      for (const part of parts) synth.push(await measure(work, command, await tool.decode(part)));
      for (const part of parts) await assertSameBytes(id, part.target, part.rebuilt);
      return {
        id,
        label,
        ...(await shippedSize(disk.patch, memory.patch)),
        create: sequential(...create),
        synth: sequential(...synth),
      };
    },
  };
}

/** The smallest power of two covering the base image, as a -B argument. */
async function sourceWindow(base: string): Promise<string> {
  const { size } = await stat(base);
  return String(2 ** Math.ceil(Math.log2(Math.max(size, 2 ** 20))));
}
