/**
 * `npm run bench -- install`: what a no-op `install` re-run costs on 1, 4 and 8 test hosts that are
 * already cloudlets, and how much of it is the operator's own work (CPU time of the runner process
 * against wall time; the rest is waiting for SSH round trips and the hosts' commands). The hosts are
 * first installed for real (apt, native builds: several minutes), then each size runs three times.
 */
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { startLab } from '../fixtures/hosts/index.js';
import { CLI, freshHome, OPERATOR_CACHE } from '../fixtures/run-cli.js';
import { step } from './steps.js';

const SIZES = [1, 4, 8];
const RUNS = 3;

interface Timing {
  readonly wallS: number;
  /** User + system CPU of the runner process and its children on the operator's side. */
  readonly operatorCpuS: number;
}

/** One `cloudlet-tasks` run, timed by bash's `time` (children's CPU included). Throws on a failed run. */
function timedRun(args: readonly string[], home: string): Promise<Timing> {
  const script = 'TIMEFORMAT="%R %U %S"; { time "$@" >/dev/null 2>"$HOME/stderr"; } 2>&1';
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script, 'bench', process.execPath, CLI, ...args], { env: { PATH: process.env['PATH'], HOME: home, XDG_CACHE_HOME: OPERATOR_CACHE } }, (error, stdout) => {
      const [real, user, sys] = stdout.trim().split(/\s+/).slice(-3).map(Number);
      if (error || real === undefined || Number.isNaN(real)) return reject(new Error(`cloudlet-tasks ${args.join(' ')} failed: ${error?.message ?? stdout}`));
      resolve({ wallS: real, operatorCpuS: user! + sys! });
    });
  });
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

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
