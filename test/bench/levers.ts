/**
 * `npm run bench -- levers`: what each of issue #16's levers removes from the synthesis pair. The
 * pair is built once per combination (cached beside the plain one, dataset/index.ts), our overlay
 * made of each (ours.ts, every output checked), and the facts that explain the difference printed:
 * non-zero pages of the customized memory snapshot, the qcow2 layer's data and zero clusters, and
 * the overlay's size with its change against the pair made without levers.
 */
import { ensureDataset, type DatasetLevers } from './dataset/index.js';
import { ours } from './ours.js';
import { step } from './steps.js';

const VARIANTS: Array<[string, DatasetLevers]> = [
  ['none', { trim: false, balloon: 'none' }],
  ['discard + fstrim', { trim: true, balloon: 'none' }],
  ['balloon free-page reporting', { trim: false, balloon: 'reporting' }],
  ['both', { trim: true, balloon: 'reporting' }],
  ['both + free-page hinting', { trim: true, balloon: 'hint' }],
];

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

export async function leversBench(): Promise<string> {
  const rows: string[] = [];
  let plain: number | undefined;
  for (const [label, levers] of VARIANTS) {
    const dataset = await step(`dataset (${label})`, () => ensureDataset(levers));
    const result = await step(`ours (${label})`, () => ours(dataset));
    const { disk, memory } = dataset.manifest.facts;
    plain ??= result.sizeBytes;
    const change = ((result.sizeBytes / plain - 1) * 100).toFixed(1);
    rows.push(`| ${label} | ${memory.customDataPages} | ${memory.changedDataPages} | ${mb(disk.qcow2DataBytes)} | ${mb(disk.qcow2ZeroBytes)} | ${mb(result.sizeBytes)} | ${change} % |`);
  }
  return [
    '| levers | non-zero pages (customized) | changed non-zero pages | qcow2 data MB | qcow2 zero MB | overlay MB | vs none |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
