// The remote guard on real hosts: stdin data travels over the channel (1 MiB of every byte
// value, through run, sudo and sudo with a password), never in the command line or the host's
// process list; a lost connection still stops the command's whole session; and a stopped
// command's exit status survives an outer shell that gets the CPU late (bash, run without sshd).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Masker } from '../../../tasks/command/masker.js';
import type { Connection } from '../../../tasks/connection/connection.js';
import { guardCommand } from '../../../tasks/task/remote-guard.js';
import { HostContext } from '../../../tasks/task/task-context.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { connectLab, labTarget, processLines } from '../../fixtures/lab-connection.js';

/** 1 MiB: a token, then every byte value over and over. */
function payload(token: string): Buffer {
  const data = Buffer.alloc(1 << 20);
  for (let i = 0; i < data.length; i += 1) data[i] = i % 256;
  data.write(token, 0, 'latin1');
  return data;
}

/** A context on the lab host `name`, and the text of every command its connection was given. */
async function contextOn(lab: Lab, name: string): Promise<{ ctx: HostContext<Record<string, never>>; texts: string[]; connection: Connection }> {
  const connection = await connectLab(lab, labTarget(lab, name));
  const texts: string[] = [];
  const recording: Connection = {
    host: connection.host,
    exec: (text, options) => (texts.push(text), connection.exec(text, options)),
    put: (from, to) => connection.put(from, to),
    get: (from, to) => connection.get(from, to),
    putRange: (from, to, options) => connection.putRange(from, to, options),
    close: () => connection.close(),
  };
  const ctx = new HostContext(recording, {}, [], { dryRun: false, masker: new Masker(), emit: () => undefined, ...(lab.host(name).sudo === 'password' ? { sudoPassword: lab.host(name).password } : {}) });
  return { ctx, texts, connection };
}

describe('the remote guard on real hosts', () => {
  let lab: Lab;
  before(async () => {
    lab = await startLab([{ name: 'easy' }, { name: 'guarded', sudo: 'password' }]);
  });
  after(() => lab?.stop());

  for (const [host, how] of [['easy', 'run'], ['easy', 'sudo'], ['guarded', 'sudo']] as const) {
    it(`passes 1 MiB of every byte value as stdin over the channel (${how} on a host with ${host === 'guarded' ? 'password' : 'passwordless'} sudo)`, async () => {
      const token = `stdin-token-${randomBytes(6).toString('hex')}`;
      const data = payload(token);
      const { ctx, texts, connection } = await contextOn(lab, host);
      try {
        // The command holds its stdin unread for a while, so the process list is read while it runs.
        const command = 'sleep 2; sha256sum; id -un';
        const running = how === 'run' ? ctx.run(command, { stdin: data }) : ctx.sudo(command, { stdin: data });
        await sleep(1_000);
        const processes = await processLines(lab, host);
        assert.match(processes, /sleep 2/, 'the command runs while the process list is read');
        const result = await running;
        assert.equal(result.stdout, `${createHash('sha256').update(data).digest('hex')}  -\n${how === 'run' ? 'ops' : 'root'}\n`);
        const encoded = data.subarray(0, 48).toString('base64');
        for (const where of [processes, ...texts]) {
          assert.ok(!where.includes(token) && !where.includes(encoded), 'the stdin data is in a command line');
        }
      } finally {
        await connection.close();
      }
    });
  }

  it('stops the command when the connection is lost: TERM to its session, its cleanup runs, nothing is left', async () => {
    const token = `lost-${randomBytes(4).toString('hex')}`;
    const marker = `/tmp/${token}.marker`;
    const { ctx, connection } = await contextOn(lab, 'easy');
    const running = ctx.run(`: ${token}; trap 'sleep 1; echo cleaned >${marker}; exit 143' TERM; sleep 619 & wait`, { graceMs: 10_000 });
    await sleep(1_000);
    await connection.close();
    await assert.rejects(running);
    let cleaned = '';
    for (let i = 0; i < 50 && cleaned === ''; i += 1) {
      await sleep(100);
      cleaned = (await lab.host('easy').exec(['cat', marker])).stdout;
    }
    assert.equal(cleaned, 'cleaned\n');
    let left: string[] = [];
    for (let i = 0; i < 30; i += 1) {
      left = (await processLines(lab, 'easy')).split('\n').filter((line) => line.includes(token) || line.includes('sleep 619'));
      if (left.length === 0) break;
      await sleep(100);
    }
    assert.deepEqual(left, []);
  });
});

/**
 * Runs a guarded command that exits 3 on TERM under bash, as sshd would, and ends its stdin once
 * it runs, with the outer shell kept off the CPU (the lowest priority, pinned next to a busy
 * loop): the stop and the session's end both reach it before it runs again. Returns the exit code.
 */
function stopWhileOuterShellWaits(token: string): Promise<number | null> {
  const text = guardCommand(`: ${token}; trap 'exit 3' TERM; echo started; sleep 622 & wait`, { stdinBytes: 0, graceMs: 10_000 });
  const outer = spawn('bash', ['-c', text], { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    outer.stdout.on('data', (chunk: Buffer) => {
      if (!chunk.toString().includes('started')) return;
      for (const [command, ...args] of [['taskset', '-p', '-c', '0'], ['chrt', '--idle', '-p', '0']] as const) {
        const set = spawnSync(command, [...args, String(outer.pid)], { encoding: 'utf8' });
        if (set.status !== 0) reject(new Error(`${command} failed: ${set.stderr}`));
      }
      outer.stdin.end();
    });
    outer.on('exit', (code) => resolve(code));
  });
}

describe('the remote guard under a late outer shell', () => {
  it("reports the stopped command's exit status when the stop and the session's end reach the outer shell together", async () => {
    const token = `late-${randomBytes(4).toString('hex')}`;
    // At nice 19 it slows other tests little; `timeout` bounds it should this process die (TERM reaches the loop through it).
    const busy = spawn('nice', ['-n', '19', 'taskset', '-c', '0', 'timeout', '60', 'sh', '-c', 'while :; do :; done'], { stdio: 'ignore' });
    try {
      // The guard that signalled its outer shell lost the status here (255), nearly always in the first run.
      for (let i = 0; i < 3; i += 1) assert.equal(await stopWhileOuterShellWaits(token), 3, `run ${i + 1}`);
    } finally {
      busy.kill();
    }
    // pgrep exits 1 when no process matches.
    const left = spawnSync('pgrep', ['-a', '-f', `${token}|^sleep 622$`], { encoding: 'utf8' });
    assert.equal(left.status, 1, left.stdout);
  });
});
