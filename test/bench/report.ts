/**
 * The benchmark's printout: the dataset's facts, the side-by-side table, and the three ratios the
 * issue sets goals for (issue 4, "Streaming and speed"). Sizes are decimal MB (10^6 bytes), RAM and
 * disk sizes MiB/GiB, times seconds of wall clock.
 */
import { cpus, loadavg } from 'node:os';
import type { Dataset } from './dataset/index.js';
import { PACKAGES_SUMMARY } from './dataset/package-tarball.js';
import type { OursResult } from './ours.js';
import { XZ_T0_6_ID, type PeerResult, type PeerRuns } from './peers/index.js';

export type OursOutcome = { kind: 'measured'; result: OursResult } | { kind: 'failed'; message: string };

const MB = 1e6;
const MIB = 2 ** 20;
const NA = 'n/a';

/** The dataset: what the customization changed, and how it was made; `loadBefore` is the 1-minute load average when the run began. */
export function formatFacts(dataset: Dataset, toolVersions: string[], loadBefore: number): string {
  const { manifest } = dataset;
  const { disk, memory } = manifest.facts;
  const pct = (part: number, whole: number) => `${((100 * part) / whole).toFixed(1)}%`;
  return [
    `Dataset ${dataset.dir} (built in ${manifest.buildSeconds} s; QEMU ${manifest.qemuVersion}, ${manifest.kernelPackage}, TCG)`,
    `  disk     ${(disk.sizeBytes / 2 ** 30).toFixed(0)} GiB raw ext4 (Debian bookworm minbase, ${mb(disk.baseAllocatedBytes)} MB allocated);` +
      ` customized = qcow2 overlay of ${mb(disk.qcow2FileBytes)} MB`,
    `           changed: ${mb(disk.qcow2DataBytes)} MB in qcow2 data clusters (qemu-img map), ${disk.changedChunks} chunks of 4 KiB` +
      ` differ from the base (${mb(disk.changedChunks * 4096)} MB), ${disk.zeroedChunks} zeroed`,
    `  memory   ${manifest.memoryMiB} MiB guest (${(memory.ramBytes / MIB).toFixed(1)} MiB of RAM blocks); snapshots` +
      ` ${mb(memory.baseFileBytes)} MB (base, ${memory.baseDataPages} data pages) and ${mb(memory.customFileBytes)} MB` +
      ` (customized, ${memory.customDataPages} data pages)`,
    `           changed: ${memory.changedPages} pages differ (${pct(memory.changedPages, memory.ramBytes / 4096)} of RAM),` +
      ` ${memory.changedDataPages} of them non-zero (${mb(memory.changedDataPages * 4096)} MB)`,
    `  change   the base VM read /${manifest.workingSet.join(', /')} into its page cache; the customized VM is the base resumed,` +
      ` then ${manifest.packages.debs.length} Debian packages extracted inside it (${PACKAGES_SUMMARY}, ${mb(manifest.packages.installedBytes)} MB)`,
    `  raw changed data (changed disk chunks + changed non-zero pages): ${mb(manifest.facts.rawChangedBytes)} MB`,
    `  tools    ${toolVersions.join('; ')}`,
    // Other work on a 2-core machine stretches every time in the table; the load says how much there was.
    `  machine  ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average ${loadBefore.toFixed(2)} before the run, ${loadavg()[0]!.toFixed(2)} after`,
  ].join('\n');
}

/** One row per tool, ours first. */
export function formatTable(peers: PeerRuns, ours: OursOutcome, rawChangedBytes: number): string {
  const oursSize = ours.kind === 'measured' ? ours.result.sizeBytes : undefined;
  const header = ['tool', 'size MB', 'disk + mem MB', '× ours', '× raw changed', 'create s', 'synth s', 'peak RSS MB create/synth'];
  const rows = peers.results.map((peer) => [
    peer.label,
    mb(peer.sizeBytes),
    `${mb(peer.diskBytes)} + ${mb(peer.memoryBytes)}`,
    oursSize ? (peer.sizeBytes / oursSize).toFixed(2) : NA,
    (peer.sizeBytes / rawChangedBytes).toFixed(3),
    seconds(peer.create.wallMs),
    seconds(peer.synth.wallMs),
    `${Math.round(peer.create.peakRssKiB / 1024)} / ${Math.round(peer.synth.peakRssKiB / 1024)}`,
  ]);
  const oursRow =
    ours.kind === 'measured'
      ? ['ours', mb(ours.result.sizeBytes), NA, '1.00', (ours.result.sizeBytes / rawChangedBytes).toFixed(3), seconds(ours.result.createMs), seconds(ours.result.synthMs), `${Math.round(ours.result.createPeakRssKiB / 1024)} / ${Math.round(ours.result.synthPeakRssKiB / 1024)}`]
      : ['ours', `ours: failed: ${ours.message}`];
  const conversion = peers.rawConversion.wallMs > 0 ? [`  (the whole-image peers got the customized disk as raw: qemu-img convert took ${seconds(peers.rawConversion.wallMs)} s, not counted)`] : [];
  const legend = '  × ours: size / our size; × raw changed: size / the raw changed data; times: wall clock, create and synth each in sequence over disk then memory';
  return [...alignColumns([header, oursRow, ...rows]), legend, ...conversion].join('\n');
}

/** The three ratios with their goals; n/a where ours or the yardstick did not run. */
export function formatGoals(peers: PeerRuns, ours: OursOutcome): string {
  const result = ours.kind === 'measured' ? ours.result : undefined;
  const smallest = peers.results.reduce<PeerResult | undefined>((best, peer) => (!best || peer.sizeBytes < best.sizeBytes ? peer : best), undefined);
  const yardstick = peers.results.find((peer) => peer.id === XZ_T0_6_ID);
  const lines = ['Goals (issue 4):'];
  lines.push(
    goal(
      `size: ours / smallest peer${smallest ? ` (${smallest.label}, ${mb(smallest.sizeBytes)} MB)` : ''}`,
      result && smallest ? result.sizeBytes / smallest.sizeBytes : undefined,
      '< 1, the smallest of all',
      (ratio) => ratio < 1,
    ),
  );
  lines.push(
    goal(
      `creation: ours / xz -T0 -6 of the peer's data${yardstick ? ` (${seconds(yardstick.create.wallMs)} s)` : ' (not run)'}`,
      result && yardstick ? result.createMs / yardstick.create.wallMs : undefined,
      '≤ 1',
      (ratio) => ratio <= 1,
    ),
  );
  lines.push(
    goal(
      `synthesis: ours / our decompress-only${result ? ` (${seconds(result.decompressOnlyMs)} s)` : ''}`,
      result ? result.synthMs / result.decompressOnlyMs : undefined,
      '≤ 1.2',
      (ratio) => ratio <= 1.2,
    ),
  );
  if (result) {
    const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
    lines.push(`  synthesized disk: layer over the base ${seconds(result.synthMs)} s, ${mib(result.diskBytes)} MiB used (du); standalone raw ${seconds(result.synthRawMs)} s, ${mib(result.rawDiskBytes)} MiB used`);
  }
  if (!result) lines.push('  ours failed, so no ratio is measured.');
  return lines.join('\n');
}

function goal(what: string, ratio: number | undefined, target: string, met: (ratio: number) => boolean): string {
  const value = ratio === undefined ? NA : `${ratio.toFixed(2)} ${met(ratio) ? 'met' : 'MISSED'}`;
  return `  ${what}: ${value} (goal ${target})`;
}

/** Pads the columns: names left, numbers right. A short row (ours failed) runs its message on. */
function alignColumns(rows: string[][]): string[] {
  const columns = rows[0]!.length;
  const full = rows.filter((row) => row.length === columns);
  const widths = rows[0]!.map((_, column) => Math.max(...full.map((row) => row[column]!.length)));
  return rows.map((row) => {
    if (row.length < columns) return [row[0]!.padEnd(widths[0]!), ...row.slice(1)].join('  ');
    return row.map((cell, column) => (column === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[column]!))).join('  ');
  });
}

function mb(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(1);
}
