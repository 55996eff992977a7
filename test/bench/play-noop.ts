/**
 * `npm run bench -- play`: what a no-op re-run of the shipped lab playbook (playbooks/lab.yml:
 * install, the base, a VM per host; `serial: 2`) costs on 1, 4 and 8 cloudlet test hosts that it
 * already set up, and how much of that is the operator's own work. The hosts get the SDK deployed
 * by the real install and a libvirtd each, then one full run of the playbook on all 8 (base pushed,
 * VMs synthesized); each size then re-runs it three times, every step unchanged.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { deployCloudlet, remotePair, startLab, startLibvirtd } from '../fixtures/hosts/index.js';
import { freshHome } from '../fixtures/run-cli.js';
import { shippedPlaybooksDir } from '../fixtures/shipped-playbooks.js';
import { step } from './steps.js';
import { median, timedRun, type Timing } from './timing.js';

const SIZES = [1, 4, 8];
const RUNS = 3;

/** Runs the benchmark and returns its printout. */
export async function playNoopBench(): Promise<string> {
  const [loadBefore] = loadavg();
  const names = Array.from({ length: Math.max(...SIZES) }, (_, i) => `c${i + 1}`);
  const pair = await step('base archive and overlay', () => remotePair());
  const lab = await step('lab of 8 cloudlet hosts', () => startLab(names.map((name) => ({ name, cloudlet: true }))));
  const home = freshHome();
  const dir = shippedPlaybooksDir(pair, names);
  try {
    await step('deploy the SDK (install)', () => deployCloudlet(lab));
    await step('libvirtd in each host', () => Promise.all(lab.hosts.map((host) => startLibvirtd(host))));
    const play = (hosts: readonly string[]): Promise<Timing> =>
      timedRun(['--plain', '-F', lab.sshConfigFile, '-P', '10', '-i', join(dir, 'inventory.yml'), 'play', join(dir, 'lab.yml'), '--limit', hosts.join(',')], home);
    const setup = await step('first run on 8 hosts (push, synthesize)', () => play(names));
    const lines = [
      `No-op re-runs of playbooks/lab.yml (hosts already set up by it; its first run on ${names.length} hosts took ${setup.wallS.toFixed(0)} s)`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load ${loadBefore!.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after setup; ${names.length} VMs running`,
      '',
      '| hosts | batches (serial 2) | wall s (median of 3) | operator CPU s | operator share |',
      '| --- | --- | --- | --- | --- |',
    ];
    for (const size of SIZES) {
      const timings: Timing[] = [];
      for (let i = 0; i < RUNS; i += 1) timings.push(await step(`re-run on ${size}`, () => play(names.slice(0, size))));
      const wall = median(timings.map((t) => t.wallS));
      const cpu = median(timings.map((t) => t.operatorCpuS));
      lines.push(`| ${size} | ${Math.ceil(size / 2)} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${((100 * cpu) / wall).toFixed(0)} % |`);
    }
    return `${lines.join('\n')}\n`;
  } finally {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}
