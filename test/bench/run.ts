/**
 * `npm run bench [-- synthesis|install|push-base|play|stream|levers]`: all benchmarks, or the ones named.
 * synthesis: builds (or reuses) the dataset, runs the peers and ours on it, prints the facts,
 * the side-by-side table and the goal ratios on stdout (progress goes to stderr). About 10 minutes
 * on this 2-core machine, most of it xz and zstd at their top levels.
 * Scratch files go to CLOUDLET_BENCH_SCRATCH (default /var/tmp): up to ~3 GB while the peers run.
 * install: no-op `install` re-runs on 1, 4 and 8 test hosts (install-noop.ts; needs root).
 * push-base: one base archive to 4 cloudlet test hosts against scp (push-base.ts; needs root).
 * play: no-op re-runs of the shipped lab playbook on 1, 4 and 8 cloudlet test hosts (play-noop.ts; needs root).
 * stream: the synthesis pair over a 38 Mbps paced link, pipelined against download-then-synthesize (stream-synthesis.ts).
 * levers: the synthesis pair made with discard + fstrim and the free-page balloon, each on and off (levers.ts).
 * Not part of `npm test`.
 */
import { loadavg } from 'node:os';
import { ensureDataset, type Dataset } from './dataset/index.js';
import { installNoopBench } from './install-noop.js';
import { leversBench } from './levers.js';
import { playNoopBench } from './play-noop.js';
import { pushBaseBench } from './push-base.js';
import { streamSynthesisBench } from './stream-synthesis.js';
import { ours } from './ours.js';
import { runPeers, toolVersions } from './peers/index.js';
import { formatFacts, formatGoals, formatTable, type OursOutcome } from './report.js';
import { step } from './steps.js';

async function synthesisBench(): Promise<void> {
  const [loadBefore] = loadavg();
  const dataset = await step('dataset', () => ensureDataset());
  // Ours first: a failure there shows in seconds rather than after the peers' ten minutes.
  const outcome = await step('ours', () => runOurs(dataset));
  const peers = await runPeers(dataset, process.env.CLOUDLET_BENCH_SCRATCH ?? '/var/tmp');
  const { rawChangedBytes } = dataset.manifest.facts;
  process.stdout.write(
    [formatFacts(dataset, await toolVersions(), loadBefore!), '', formatTable(peers, outcome, rawChangedBytes), '', formatGoals(peers, outcome), ''].join('\n'),
  );
  if (outcome.kind === 'failed') process.exitCode = 1;
}

async function runOurs(dataset: Dataset): Promise<OursOutcome> {
  try {
    return { kind: 'measured', result: await ours(dataset) };
  } catch (error) {
    return { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
}

const BENCHES: Record<string, () => Promise<void>> = {
  synthesis: synthesisBench,
  install: async () => void process.stdout.write(await installNoopBench()),
  'push-base': async () => void process.stdout.write(await pushBaseBench()),
  play: async () => void process.stdout.write(await playNoopBench()),
  stream: async () => void process.stdout.write(await streamSynthesisBench()),
  levers: async () => void process.stdout.write(await leversBench()),
};
const chosen = process.argv.slice(2);
for (const name of chosen.length > 0 ? chosen : Object.keys(BENCHES)) {
  const bench = BENCHES[name];
  if (!bench) throw new Error(`unknown benchmark '${name}'; known: ${Object.keys(BENCHES).join(', ')}`);
  await bench();
}
