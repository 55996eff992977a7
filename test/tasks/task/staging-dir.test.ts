// A sudo put on a real host: the file is staged in a private directory that another uid cannot
// read, and the directory is gone after a success, a failing install, an abort and a lost
// connection.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Masker } from '../../../tasks/command/masker.js';
import type { Connection } from '../../../tasks/connection/connection.js';
import { CommandError, CommandInterruptedError } from '../../../tasks/errors.js';
import { HostContext } from '../../../tasks/task/task-context.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { connectLab, labTarget } from '../../fixtures/lab-connection.js';

const STAGED = 'ls -d /tmp/.cloudlet-tasks-* 2>/dev/null';

describe('sudo put stages privately', () => {
  let lab: Lab;
  let source: string;
  before(async () => {
    lab = await startLab([{ name: 'easy' }]);
    source = join(lab.dir, 'secret.conf');
    writeFileSync(source, `secret ${randomBytes(8).toString('hex')}\n`);
  });
  after(() => lab?.stop());

  const inHost = async (script: string): Promise<string> => (await lab.host('easy').exec(['sh', '-c', script])).stdout.trim();

  /**
   * A context whose connection holds the `install` command back until `atInstall` has looked at
   * the host; `signal` is the run's abort.
   */
  async function contextPausingAtInstall(atInstall: (connection: Connection) => Promise<void>, signal?: AbortSignal): Promise<{ ctx: HostContext<Record<string, never>>; connection: Connection }> {
    const connection = await connectLab(lab, labTarget(lab, 'easy'));
    const pausing: Connection = {
      host: connection.host,
      exec: async (text, options) => {
        if (text.includes('install -D')) await atInstall(connection);
        return connection.exec(text, options);
      },
      put: (from, to) => connection.put(from, to),
      get: (from, to) => connection.get(from, to),
      putRange: (from, to, options) => connection.putRange(from, to, options),
      close: () => connection.close(),
    };
    const ctx = new HostContext(pausing, {}, [], { dryRun: false, masker: new Masker(), emit: () => undefined, ...(signal ? { signal } : {}) });
    return { ctx, connection };
  }

  it('stages in a 0700 directory another uid cannot read, and leaves nothing after the install', async () => {
    let seen = '';
    const { ctx, connection } = await contextPausingAtInstall(async () => {
      const dir = await inHost(STAGED);
      seen = await inHost(`stat -c '%U %a' ${dir} ${dir}/file; wc -c <${dir}/file`);
      const other = await lab.host('easy').exec(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'cat', `${dir}/file`]);
      assert.notEqual(other.exitCode, 0, 'another uid read the staged file');
      assert.match(other.stderr, /Permission denied/);
    });
    try {
      await ctx.put(source, '/etc/staged.conf', { sudo: true, mode: '0600' });
    } finally {
      await connection.close();
    }
    assert.equal(seen, `ops 700\nops 600\n${statSync(source).size}`);
    assert.equal(await inHost('stat -c "%U %a" /etc/staged.conf'), 'root 600');
    assert.equal(await inHost(STAGED), '');
  });

  it('leaves nothing when the install fails', async () => {
    const { ctx, connection } = await contextPausingAtInstall(async () => undefined);
    try {
      await assert.rejects(ctx.put(source, '/etc/never.conf', { sudo: true, owner: 'no-such-user' }), CommandError);
    } finally {
      await connection.close();
    }
    assert.equal(await inHost(STAGED), '');
  });

  it('leaves nothing when the run is aborted during the put', async () => {
    const abort = new AbortController();
    const { ctx, connection } = await contextPausingAtInstall(async () => abort.abort(), abort.signal);
    try {
      await assert.rejects(ctx.put(source, '/etc/aborted.conf', { sudo: true }), CommandInterruptedError);
    } finally {
      await connection.close();
    }
    assert.equal(await inHost(STAGED), '');
    assert.equal(await inHost('ls /etc/aborted.conf 2>/dev/null'), '');
  });

  it('removes the directory when the connection is lost during the put', async () => {
    const { ctx } = await contextPausingAtInstall(async (connection) => {
      assert.notEqual(await inHost(STAGED), '');
      await connection.close();
    });
    await assert.rejects(ctx.put(source, '/etc/lost.conf', { sudo: true }));
    let left = 'unknown';
    for (let i = 0; i < 50 && left !== ''; i += 1) {
      left = await inHost(STAGED);
      if (left !== '') await sleep(100);
    }
    assert.equal(left, '');
  });
});
