/**
 * `npm run bench -- push-base`: one base archive (the remote tests' pair, made on this machine) put
 * on 4 cloudlet test hosts by `cloudlet-tasks push-base -P 4`, side by side with the copy a person
 * would make without us: 4 `scp`s one after another, and one `scp` to one host. push-base also
 * checks the whole archive (SHA-256) and imports it on each host (the host re-hashes the disk and
 * re-reads the memory image), so both its upload share and its total are shown. The hosts are
 * sshd in namespaces on this machine: the "network" is loopback, so encryption and the 2 cores
 * bound every number here, not a wire. Each measurement runs 3 times (median), after a warm-up.
 * `push-base --relay` (fanout 2) is measured the same way, with the bytes that left the operator.
 */
import { execFile } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { deployCloudlet, remotePair, startLab, startLibvirtd, type Lab } from '../fixtures/hosts/index.js';
import { freshHome, resultsByHost, runCli } from '../fixtures/run-cli.js';
import { step } from './steps.js';
import { median, timed } from './timing.js';

const HOSTS = ['p1', 'p2', 'p3', 'p4'];
const RUNS = 3;

function scp(lab: Lab, archive: string, host: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('scp', ['-q', '-F', lab.sshConfigFile, archive, `${host}:bench-copy.zip`], (error, _stdout, stderr) => (error ? reject(new Error(`scp to ${host}: ${stderr}`)) : resolve())),
  );
}

/** Runs the benchmark and returns its printout. */
export async function pushBaseBench(): Promise<string> {
  const [loadBefore] = loadavg();
  const pair = await step('base archive', () => remotePair());
  const lab = await step('lab of 4 cloudlet hosts', () => startLab(HOSTS.map((name) => ({ name, cloudlet: true }))));
  const home = freshHome();
  try {
    await step('deploy the SDK (install)', () => deployCloudlet(lab));
    await step('libvirtd in each host', () => Promise.all(lab.hosts.map((host) => startLibvirtd(host))));
    const size = statSync(pair.baseArchive).size;
    const base = ['--json', '-F', lab.sshConfigFile, '-P', '4'];
    const push = async (extra: readonly string[] = []): Promise<{ wall: number; upload: number; fromOperator: number }> => {
      let uploadS = 0;
      let fromOperator = 0;
      const wall = await timed(async () => {
        const run = await runCli([...base, '-H', HOSTS.join(','), 'push-base', pair.baseArchive, ...extra], { home });
        const results = resultsByHost(run);
        for (const host of HOSTS) {
          const value = results.get(host)?.value as { status?: string; source?: string; upload?: { durationMs: number; sentBytes: number } } | undefined;
          if (value?.status !== 'imported') throw new Error(`push-base on ${host}: ${JSON.stringify(results.get(host))}\n${run.stderr}`);
          uploadS = Math.max(uploadS, value.upload!.durationMs / 1000);
          if (value.source === 'operator') fromOperator += value.upload!.sentBytes;
        }
      });
      const removed = await runCli([...base, '-H', HOSTS.join(','), 'del-base', pair.baseId], { home });
      if (removed.code !== 0) throw new Error(`del-base failed: ${removed.stderr}`);
      return { wall, upload: uploadS, fromOperator };
    };
    await step('warm-up push-base', () => push());
    const pushes = [];
    for (let i = 0; i < RUNS; i += 1) pushes.push(await step(`push-base to 4 hosts (${i + 1})`, () => push()));
    await step('warm-up push-base --relay', () => push(['--relay']));
    const relays = [];
    for (let i = 0; i < RUNS; i += 1) relays.push(await step(`push-base --relay to 4 hosts (${i + 1})`, () => push(['--relay'])));
    const sequential = [];
    const single = [];
    for (let i = 0; i < RUNS; i += 1) {
      sequential.push(await step(`4 sequential scp (${i + 1})`, () => timed(async () => {
        for (const host of HOSTS) await scp(lab, pair.baseArchive, host);
      })));
      single.push(await step(`one scp (${i + 1})`, () => timed(() => scp(lab, pair.baseArchive, HOSTS[0]!))));
    }
    const total = median(pushes.map((p) => p.wall));
    const upload = median(pushes.map((p) => p.upload));
    const relayTotal = median(relays.map((p) => p.wall));
    const relayOperatorMb = median(relays.map((p) => p.fromOperator)) / 1e6;
    const seq = median(sequential);
    const one = median(single);
    const mb = size / 1e6;
    return [
      `push-base: one ${mb.toFixed(1)} MB base archive to 4 hosts (median of ${RUNS})`,
      `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load ${loadBefore!.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after; hosts are sshd in namespaces on this machine (loopback)`,
      '',
      '| what | wall s | MB/s delivered | × one scp |',
      '| --- | --- | --- | --- |',
      `| one scp, 1 host | ${one.toFixed(2)} | ${(mb / one).toFixed(1)} | 1.00 |`,
      `| 4 sequential scp | ${seq.toFixed(2)} | ${((4 * mb) / seq).toFixed(1)} | ${(seq / one).toFixed(2)} |`,
      `| push-base -P 4, upload share (slowest host) | ${upload.toFixed(2)} | ${((4 * mb) / upload).toFixed(1)} | ${(upload / one).toFixed(2)} |`,
      `| push-base -P 4, total (upload, SHA-256, import) | ${total.toFixed(2)} | ${((4 * mb) / total).toFixed(1)} | ${(total / one).toFixed(2)} |`,
      `| push-base -P 4 --relay, total (operator sent ${relayOperatorMb.toFixed(1)} MB of ${(4 * mb).toFixed(1)}) | ${relayTotal.toFixed(2)} | ${((4 * mb) / relayTotal).toFixed(1)} | ${(relayTotal / one).toFixed(2)} |`,
      '',
      `push-base upload vs 4 sequential scp: ${(upload / seq).toFixed(2)} ×`,
      '',
    ].join('\n');
  } finally {
    await lab.stop();
    rmSync(home, { recursive: true, force: true });
  }
}
