// The runner's synthesis through a host's synthesis server: a real cloudlet host (the SDK deployed
// by the real install, its own libvirtd) runs `cloudlet serve` on its address, port 8021, with the
// self-signed pair; the runner reads the certificate's fingerprint over SSH, pins it, streams the
// overlay over HTTPS and the VM resumes (its RAM counters go on). A wrong token, a wrong --pin, a
// missing token file and a server that is not there fail with the runner's typed errors and start nothing.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deployCloudlet, inside, lastCounters, remotePair, startLab, startLibvirtd, type Lab, type RemotePair, type TestHost } from '../../fixtures/hosts/index.js';
import { freshHome, resultsByHost, runCli, type CliRun } from '../../fixtures/run-cli.js';

const SERVE_LOG = '/tmp/cloudlet-serve.log';

describe('synthesis --server: the runner through a host\'s `cloudlet serve`', () => {
  let lab: Lab;
  let host: TestHost;
  let pair: RemotePair;
  let home: string;
  let work: string;
  let fingerprint: string;
  const cli = (args: readonly string[]): Promise<CliRun> => runCli(['--json', '-F', lab.sshConfigFile, '-H', 'c1', ...args], { home });
  const synthesis = (...more: string[]) => cli(['synthesis', pair.baseId.slice(0, 12), pair.overlay, '--name', 'app-{host}', '--server', '--token-file', join(work, '{host}.token'), ...more]);
  // The host's /tmp is its own mount: read it from inside.
  const serveLog = async () => (await inside(host, `cat ${SERVE_LOG}`)).split('\n');
  const requests = async () => (await serveLog()).filter((line) => line.includes('"method"')).length;
  const vmTraces = () => inside(host, `virsh -c qemu:///system list --all --name | sed '/^$/d'; find /home/ops/.cloudlet/vms /home/ops/.cloudlet/tmp -mindepth 1 2>/dev/null || true`);

  function failure(run: CliRun): Record<string, unknown> {
    const error = resultsByHost(run).get('c1')?.error;
    assert.ok(error, `c1 failed: ${run.stdout.slice(-2000)}${run.stderr}`);
    return error;
  }

  before(async () => {
    [pair, lab] = await Promise.all([remotePair(), startLab([{ name: 'c1', cloudlet: true }])]);
    host = lab.host('c1');
    await deployCloudlet(lab);
    await startLibvirtd(host);
    home = freshHome();
    work = mkdtempSync(join(tmpdir(), 'clt-serve-'));
    const pushed = await cli(['push-base', pair.baseArchive]);
    assert.equal(pushed.code, 0, pushed.stdout.slice(-2000) + pushed.stderr);
    writeFileSync(join(work, 'c1.token'), `${await inside(host, 'su ops -c "cloudlet token create runner"')}\n`, { mode: 0o600 });
    // In the background as the VM user, as a host without systemd runs it; it dies with the host.
    await inside(host, `su ops -c "setsid cloudlet serve --listen ${host.address}:8021 > ${SERVE_LOG} 2>&1 < /dev/null &"`);
    for (let waited = 0; !(await serveLog()).some((line) => line.includes('"event":"listening"')) && waited < 30_000; waited += 200) await sleep(200);
    fingerprint = JSON.parse((await serveLog()).find((line) => line.includes('"event":"listening"'))!).fingerprint as string;
  });
  after(async () => {
    await lab?.stop();
    for (const dir of [home, work]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('pins the certificate read over SSH, streams the overlay and the VM resumes where the overlay left it', async () => {
    const dry = await synthesis('--dry-run');
    assert.equal(dry.code, 0, dry.stdout.slice(-2000) + dry.stderr);
    assert.deepEqual(resultsByHost(dry).get('c1')?.value, { name: 'app-c1', wouldSynthesize: true });
    assert.equal(await vmTraces(), '', 'the dry run started nothing');

    const run = await synthesis('--limit-rate', '8M');
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    const vm = resultsByHost(run).get('c1')?.value as { name: string; id: string; base: string; resumedMs: number; console: string; upload: { sentBytes: number } };
    assert.deepEqual([vm.name, vm.base, vm.upload.sentBytes], ['app-c1', pair.baseId, statSync(pair.overlay).size]);
    assert.match(vm.id, /^[0-9a-f]{12}$/);
    assert.ok(run.events.some((e) => e.type === 'progress' && e['host'] === 'c1' && (e['progress'] as { phase?: string }).phase === 'receive'), "the server's progress streams into the run");
    let log = '';
    for (let waited = 0; waited < 30_000 && !(lastCounters(log).custom > pair.savedCustom + 1); waited += 250) {
      await sleep(250);
      log = readFileSync(join(host.rootDir, vm.console), 'latin1');
    }
    const first = Number(/^COUNTER (\d+) UPTIME/m.exec(log)?.[1]);
    assert.ok(!/Linux version|GUEST-BOOTED/.test(log), 'resumed, not booted');
    assert.ok(first > pair.savedCounter && first <= pair.savedCounter + 3, `COUNTER went on from ${pair.savedCounter}: ${first}`);
    assert.ok(lastCounters(log).custom > pair.savedCustom, 'the RAM-only CUSTOM counter went on');
    const created = (await serveLog()).filter((line) => line.includes('"POST"'));
    assert.equal(created.length, 1);
    assert.match(created[0]!, /"token":"runner".*"status":200.*vm app-c1/);
    assert.equal((await cli(['destroy', 'app-c1'])).code, 0);
  });

  it('a wrong token, a wrong --pin, a missing token file, no server: typed errors, nothing started', async () => {
    const right = readFileSync(join(work, 'c1.token'), 'utf8');
    writeFileSync(join(work, 'c1.token'), 'clt_wrong\n');
    const wrongToken = await synthesis();
    writeFileSync(join(work, 'c1.token'), right);
    assert.equal(wrongToken.code, 4);
    const refused = failure(wrongToken);
    assert.equal(refused['code'], 'synthesis-server-unauthorized');
    assert.match(String(refused['message']), /refused the token in .*c1\.token .*cloudlet token create NAME/);
    assert.doesNotMatch(wrongToken.stdout + wrongToken.stderr, /clt_wrong|clt_[A-Za-z0-9_-]{20,}/, 'no token printed');

    const before = await requests();
    const wrongPin = await synthesis('--pin', `SHA256:${'A'.repeat(43)}`);
    const mismatch = failure(wrongPin);
    assert.deepEqual([mismatch['code'], mismatch['actual'], mismatch['source']], ['synthesis-server-pin-mismatch', fingerprint, 'pin-option']);
    assert.equal(await requests(), before, 'nothing reached the server');
    const rightPin = await synthesis('--pin', fingerprint, '--dry-run');
    assert.equal(rightPin.code, 0, JSON.stringify(resultsByHost(rightPin).get('c1')));

    assert.equal(failure(await cli(['synthesis', pair.baseId, pair.overlay, '--name', 'x', '--server', '--token-file', join(work, 'none.token')]))['code'], 'synthesis-server-token-file');
    const away = failure(await synthesis('--server-url', 'https://{address}:1'));
    assert.equal(away['code'], 'synthesis-server-unreachable');
    assert.match(String(away['message']), /is `cloudlet serve` running on c1\? `cloudlet-tasks -H c1 install --server`/);
    assert.equal(await vmTraces(), '', 'no domain, VM or work directory');

    for (const [args, message] of [
      [['--pin', 'SHA256:short'], /--pin SHA256:short: expected SHA256: and 43 base64 characters/],
      [['--forward', 'tcp:127.0.0.1:2222:22'], /--forward is not available with --server/],
      [['--server-url', 'https://{site}:8021'], /--server-url 'https:\/\/\{site\}:8021': unknown field \{site\}/],
    ] as const) {
      const refused = await synthesis(...args);
      assert.equal(refused.code, 2, refused.stderr);
      assert.match(refused.stdout + refused.stderr, message);
    }
  });
});
