// push-base --relay on three real cloudlet hosts (sshd in namespaces on their own 127.0.x.y, so
// they reach each other): the operator sends the archive once and the hosts pass it on with
// one-transfer keys; no key line or key directory is left anywhere. Then the faults, made by an
// `ssh` on the hosts' PATH that wraps the real one: a source that dies after 5 MB (its target
// resumes from its partial with another source or the operator), and a target that refuses the
// key (a typed error, `relay-refused`). Last, Ctrl-C while a relay runs leaves no key behind.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { deployCloudlet, inside, remotePair, startLab, startLibvirtd, type Lab, type RemotePair } from '../../fixtures/hosts/index.js';
import { freshHome, resultsByHost, runCli, type CliRun } from '../../fixtures/run-cli.js';

const HOSTS = ['r1', 'r2', 'r3'];
const CUT = 5_000_000;

interface Pushed {
  readonly base: string;
  readonly status: string;
  readonly source: string;
  readonly upload: { readonly sentBytes: number; readonly resumedFrom: number };
}

describe('push-base --relay: hosts pass the base on to each other', () => {
  let lab: Lab;
  let pair: RemotePair;
  let home: string;
  let size: number;
  const cli = (args: readonly string[]): Promise<CliRun> => runCli(['--json', '-F', lab.sshConfigFile, '-H', HOSTS.join(','), ...args], { home });
  const pushed = (run: CliRun): Map<string, Pushed> => {
    const out = new Map<string, Pushed>();
    for (const [host, result] of resultsByHost(run)) {
      assert.equal(result.status, 'ok', `${host}: ${JSON.stringify(result.error)}\n${run.stderr}`);
      out.set(host, result.value as Pushed);
    }
    return out;
  };
  /** No relay key line in any authorized_keys, no key directory on any host, no archive left behind. */
  const assertNoTraces = async (): Promise<void> => {
    for (const host of lab.hosts) {
      assert.equal(await inside(host, 'grep -c cloudlet-relay /home/ops/.ssh/authorized_keys || true'), '0', `${host.name}: a relay key line is left`);
      assert.equal(await inside(host, 'wc -l < /home/ops/.ssh/authorized_keys'), '1', `${host.name}: the operator's own key line stays`);
      assert.equal(await inside(host, "find /tmp -path '/tmp/tmp.*' -name key"), '', `${host.name}: a relay key directory is left`);
      assert.equal(await inside(host, 'ls -A /home/ops/.cache/cloudlet-tasks/uploads'), '', `${host.name}: an upload is left`);
    }
  };
  const withSsh = async (script: string, body: () => Promise<void>): Promise<void> => {
    const file = Buffer.from(`#!/bin/bash\n${script}\n`).toString('base64');
    await Promise.all(lab.hosts.map((host) => inside(host, `echo ${file} | base64 -d > /usr/local/bin/ssh && chmod 755 /usr/local/bin/ssh`)));
    try {
      await body();
    } finally {
      await Promise.all(lab.hosts.map((host) => inside(host, 'rm -f /usr/local/bin/ssh')));
    }
  };
  /** Removes the base from the hosts that have it (after a failed run, not all do). */
  const deleteBase = async (): Promise<void> => {
    const listed = await cli(['bases']);
    const having = [...resultsByHost(listed)].filter(([, result]) => JSON.stringify(result.value).includes(pair.baseId)).map(([host]) => host);
    if (having.length === 0) return;
    const removed = await runCli(['--json', '-F', lab.sshConfigFile, '-H', having.join(','), 'del-base', pair.baseId], { home });
    assert.equal(removed.code, 0, removed.stderr);
  };

  before(async () => {
    [pair, lab] = await Promise.all([remotePair(), startLab(HOSTS.map((name) => ({ name, cloudlet: true })))]);
    await deployCloudlet(lab);
    await Promise.all(lab.hosts.map((host) => startLibvirtd(host)));
    home = freshHome();
    size = statSync(pair.baseArchive).size;
  });
  after(async () => {
    await lab?.stop();
  });

  it('the hosts reach each other on their sshd addresses', async () => {
    for (const host of lab.hosts) {
      for (const other of lab.hosts) {
        assert.match(await inside(host, `bash -c 'exec 3<>/dev/tcp/${other.address}/${other.port} && head -c 4 <&3'`), /^SSH-/, `${host.name} -> ${other.name}`);
      }
    }
  });

  it('--fanout 1: the operator uploads once, the other two get it from hosts, all three import it', async () => {
    const run = await cli(['push-base', pair.baseArchive, '--relay', '--fanout', '1']);
    assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
    const results = pushed(run);
    for (const [host, value] of results) assert.deepEqual([host, value.base, value.status, value.upload.sentBytes], [host, pair.baseId, 'imported', size]);
    const sources = [...results.values()].map((value) => value.source);
    assert.equal(sources.filter((source) => source === 'operator').length, 1, `sources: ${sources.join(', ')}`);
    const relayed = [...results].filter(([, value]) => value.source !== 'operator');
    for (const [host, value] of relayed) {
      assert.ok(HOSTS.includes(value.source) && value.source !== host, `${host} got it from ${value.source}`);
    }
    // Progress still ends each host's upload phase; relayed bytes are polled, so they may be few.
    for (const host of HOSTS) {
      assert.ok(run.events.some((e) => e['host'] === host && (e['progress'] as { kind?: string; phase?: string } | undefined)?.phase === 'upload'), `${host}: upload progress`);
    }
    const bases = await cli(['bases']);
    assert.equal(bases.code, 0, bases.stderr);
    for (const result of resultsByHost(bases).values()) assert.ok(JSON.stringify(result.value).includes(pair.baseId));
    await assertNoTraces();
  });

  it('a source that dies after 5 MB: its target resumes from the partial with another source or the operator', async () => {
    await deleteBase();
    await withSsh(`head -c ${CUT} | /usr/bin/ssh "$@"; exit 1`, async () => {
      const run = await cli(['push-base', pair.baseArchive, '--relay', '--fanout', '1']);
      assert.equal(run.code, 0, run.stdout.slice(-3000) + run.stderr);
      const results = [...pushed(run).values()];
      assert.ok(results.every((value) => value.status === 'imported' && value.base === pair.baseId));
      // Every relay dies after 5 MB, so every host ends with the operator's upload; a relay target
      // resumes where its relays left it (one cut, or two when a second source also died on it).
      assert.deepEqual(results.map((value) => value.source), ['operator', 'operator', 'operator']);
      const resumed = results.map((value) => value.upload.resumedFrom);
      assert.ok(resumed.every((from) => from % CUT === 0) && resumed.some((from) => from > 0), `resumed from ${resumed.join(', ')}`);
      const failedRelays = run.events.filter((e) => JSON.stringify(e).includes('asking another source')).length;
      assert.equal(failedRelays, resumed.reduce((sum, from) => sum + from / CUT, 0), 'each failed relay left its 5 MB, and the next transfer kept them');
    });
    await assertNoTraces();
  });

  it('a target that refuses the key: relay-refused, and nothing left behind', async () => {
    await deleteBase();
    // The source's ssh offers no key at all: the target's sshd refuses it as it would a wrong key.
    await withSsh('a=(); while [ $# -gt 0 ]; do if [ "$1" = -i ]; then shift 2; else a+=("$1"); shift; fi; done; exec /usr/bin/ssh "${a[@]}"', async () => {
      const run = await cli(['push-base', pair.baseArchive, '--relay', '--fanout', '2']);
      assert.notEqual(run.code, 0);
      const results = [...resultsByHost(run).values()];
      assert.equal(results.filter((r) => r.status === 'ok').length, 1, "the operator's host imports it");
      for (const failed of results.filter((r) => r.status !== 'ok')) {
        assert.equal(failed.error?.['code'], 'relay-refused', JSON.stringify(failed.error));
        assert.match(String(failed.error?.['message']), /refused the relay from r\d .*Permission denied/);
      }
    });
    // The refused targets keep their partial (empty: nothing came) for the next run, as a cut upload does.
    for (const host of lab.hosts) {
      assert.match(await inside(host, 'ls -A /home/ops/.cache/cloudlet-tasks/uploads'), /^(|[0-9a-f]+\.zip\.part)$/);
      await inside(host, 'rm -f /home/ops/.cache/cloudlet-tasks/uploads/*.part');
    }
    await assertNoTraces();
  });

  it('Ctrl-C while a relay runs: the key lines and key directories are removed', async () => {
    await deleteBase();
    const started = new Set<string>();
    // The second host whose upload begins is a relay target (fanout 1: the operator serves one host).
    const run = await runCli(['--json', '-F', lab.sshConfigFile, '-H', HOSTS.join(','), 'push-base', pair.baseArchive, '--relay', '--fanout', '1'], {
      home,
      interrupt: {
        when: (e) => {
          const progress = e['progress'] as { kind?: string; phase?: string } | undefined;
          if (progress?.kind === 'phase-start' && progress.phase === 'upload') started.add(String(e['host']));
          return started.size === 2;
        },
      },
    });
    assert.ok(run.code === 130 || run.code === null, `exit ${run.code}: ${run.stderr}`);
    assert.ok(run.events.some((e) => e.type === 'run-end'), 'the runner ended its run');
    // What an interrupted upload keeps for the next run (partials, a checked archive) is not the point here.
    for (const host of lab.hosts) await inside(host, 'rm -rf /home/ops/.cache/cloudlet-tasks/uploads/*');
    await assertNoTraces();
  });
});
