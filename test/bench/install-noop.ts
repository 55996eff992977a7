/**
 * `npm run bench -- install`: what a no-op `install` re-run costs on 1, 4 and 8 test hosts that are
 * already cloudlets, and how much of it is the operator's own work (CPU time of the runner process
 * against wall time; the rest is waiting for SSH round trips and the hosts' commands). The hosts are
 * first installed for real (apt, native builds: several minutes), then each size runs three times.
 */
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startLab } from '../fixtures/hosts/index.js';
import { freshHome } from '../fixtures/run-cli.js';
import { step } from './steps.js';
import { median, timedRun, type Timing } from './timing.js';

const SIZES = [1, 4, 8];
const RUNS = 3;

/** Runs the benchmark and returns its printout. */
export async function installNoopBench(): Promise<string> {
  const [loadBefore] = loadavg();
  const names = Array.from({ length: Math.max(...SIZES) }, (_, i) => `c${i + 1}`);
  const lab = await step('lab', () => startLab(names.map((name) => ({ name }))));
  const home = freshHome();
  try {
    const base = ['-F', lab.sshConfigFile, '--plain', '-P', '10'];
    const setup = await step('full install on 8 hosts', () => timedRun([...base, '-H', names.join(','), 'install'], home));
    const lines = [
      `No-op install re-runs (hosts already installed; first full install of ${names.length} hosts took ${setup.wallS.toFixed(0)} s)`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load ${loadBefore!.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after setup`,
      '',
      '| hosts | mode | wall s (median of 3) | operator CPU s | operator share |',
      '| --- | --- | --- | --- | --- |',
    ];
    for (const size of SIZES) {
      for (const mode of ['install', 'install --dry-run']) {
        const timings: Timing[] = [];
        for (let i = 0; i < RUNS; i += 1) timings.push(await step(`${mode} on ${size}`, () => timedRun([...base, '-H', names.slice(0, size).join(','), ...mode.split(' ')], home)));
        const wall = median(timings.map((t) => t.wallS));
        const cpu = median(timings.map((t) => t.operatorCpuS));
        lines.push(`| ${size} | ${mode} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${((100 * cpu) / wall).toFixed(0)} % |`);
      }
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
