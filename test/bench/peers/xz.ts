/**
 * The qcow2-overlay peers: ship the customized VM's qcow2 overlay (the disk changes, at 64 KiB
 * cluster granularity, as QEMU wrote them) and its whole memory snapshot, each compressed with xz;
 * synthesis decompresses both (the qcow2 then runs on the base disk as it is).
 *
 * - `xz -9`: the issue's peer "qcow2 overlay + xz -9 (+ memory image + xz -9)". Single-threaded:
 *   with -9's 192 MiB blocks, -T0 gains nothing on these sizes (machine.md §4).
 * - `xz -T0 -6`: the creation-speed yardstick ("creation no slower than xz -T0 -6 of the peer's
 *   data"), run on the same two files.
 */
import { join } from 'node:path';
import { measure, sequential } from './measure.js';
import { assertSameBytes, shippedSize, type Peer, type PeerInput, type PeerResult } from './peer.js';

/** The yardstick's id, which the goal ratios look up. */
export const XZ_T0_6_ID = 'xz6';

export const xz9Peer: Peer = xzPeer('xz9', 'qcow2 overlay + mem, xz -9', ['-9'], []);
export const xzT0Peer: Peer = xzPeer(XZ_T0_6_ID, 'qcow2 overlay + mem, xz -T0 -6', ['-T0', '-6'], ['-T0']);

function xzPeer(id: string, label: string, compress: string[], decompress: string[]): Peer {
  return {
    id,
    label,
    needsRawDisk: false,
    async run({ dataset, work }: PeerInput): Promise<PeerResult> {
      const disk = { source: dataset.customDisk, packed: join(work, 'disk.qcow2.xz'), rebuilt: join(work, 'disk.qcow2') };
      const memory = { source: dataset.customMemory, packed: join(work, 'memory.xz'), rebuilt: join(work, 'memory') };
      const parts = [disk, memory];
      const create = [];
      for (const part of parts) create.push(await measure(work, 'xz', [...compress, '-c', part.source], { stdoutFile: part.packed }));
      const synth = [];
      for (const part of parts) synth.push(await measure(work, 'xz', ['-d', ...decompress, '-c', part.packed], { stdoutFile: part.rebuilt }));
      for (const part of parts) await assertSameBytes(id, part.source, part.rebuilt);
      return {
        id,
        label,
        ...(await shippedSize(disk.packed, memory.packed)),
        create: sequential(...create),
        synth: sequential(...synth),
      };
    },
  };
}
