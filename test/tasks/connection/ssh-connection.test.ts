// Real sshd hosts: host key policy (a name's case ignored, as ssh does), ProxyJump, key, agent
// and password authentication.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { canBind } from '../../fixtures/hosts/addresses.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';

function fingerprintOf(dir: string, publicKeyLine: string): string {
  const file = join(mkdtempSync(join(dir, 'fp-')), 'key.pub');
  writeFileSync(file, `${publicKeyLine}\n`);
  return execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1]!;
}

/** A free port on 127.0.0.1, the address `localhost` names (a name, so its case can be varied). */
async function freeLocalhostPort(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = randomInt(20_000, 60_000);
    if (await canBind('127.0.0.1', port)) return port;
  }
  throw new Error('no free port on 127.0.0.1');
}

describe('SSH connections to real hosts', () => {
  let lab: Lab;
  let localhostPort: number;
  before(async () => {
    localhostPort = await freeLocalhostPort();
    lab = await startLab([
      { name: 'upper', network: { kind: 'loopback', address: '127.0.0.1', port: localhostPort } },
      { name: 'alpha' },
      { name: 'rotor' },
      { name: 'bastion', network: 'netns' },
      { name: 'inner', behind: 'bastion' },
    ]);
  });
  after(() => lab?.stop());

  const direct = (name: string): string => `ops@${lab.host(name).address}:${lab.host(name).port}`;

  it('refuses an unknown host key with its fingerprint and records nothing', async () => {
    const known = join(lab.dir, 'empty_known_hosts');
    writeFileSync(known, '');
    const run = await runCli(['--json', '--known-hosts', known, '-k', lab.keyFile, '-H', direct('alpha'), 'run', '--', 'true']);
    assert.equal(run.code, 3);
    const error = resultsByHost(run).get(direct('alpha'))!.error!;
    assert.equal(error['name'], 'HostKeyUnknownError');
    assert.equal(error['fingerprint'], fingerprintOf(lab.dir, lab.host('alpha').hostPublicKey));
    assert.match(String(error['message']), /--accept-new-host-keys/);
    assert.equal(readFileSync(known, 'utf8'), '');
  });

  it('records a new key with --accept-new-host-keys and then trusts it', async () => {
    const known = join(lab.dir, 'accept_known_hosts');
    const first = await runCli(['--json', '--accept-new-host-keys', '--known-hosts', known, '-k', lab.keyFile, '-H', direct('alpha'), 'run', '--', 'hostname']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const host = lab.host('alpha');
    const name = host.port === 22 ? host.address : `[${host.address}]:${host.port}`;
    assert.equal(readFileSync(known, 'utf8').trim(), `${name} ${host.hostPublicKey.split(' ').slice(0, 2).join(' ')}`);
    const second = await runCli(['--json', '--known-hosts', known, '-k', lab.keyFile, '-H', direct('alpha'), 'run', '--', 'hostname']);
    assert.equal(second.code, 0);
    assert.ok(second.events.some((e) => e.type === 'output' && e['line'] === 'alpha'));
  });

  it('takes the host key policy and known_hosts file from the operator config', async () => {
    const xdg = mkdtempSync(join(lab.dir, 'xdg-'));
    const env = { XDG_CONFIG_HOME: xdg };
    const known = join(lab.dir, 'config_known_hosts');
    assert.equal((await runCli(['config', 'set', 'known-hosts', known], { env })).code, 0);
    const refused = await runCli(['--json', '-k', lab.keyFile, '-H', direct('alpha'), 'run', '--', 'true'], { env });
    assert.equal(refused.code, 3);
    assert.equal(resultsByHost(refused).get(direct('alpha'))!.error!['knownHostsFile'], known);
    assert.equal((await runCli(['config', 'set', 'accept-new-host-keys', 'true'], { env })).code, 0);
    const accepted = await runCli(['--json', '-k', lab.keyFile, '-H', direct('alpha'), 'run', '--', 'hostname'], { env });
    assert.equal(accepted.code, 0, accepted.stdout + accepted.stderr);
    assert.match(readFileSync(known, 'utf8'), /ssh-ed25519 /);
  });

  it('always refuses a changed host key, even with --accept-new-host-keys', async () => {
    const before = readFileSync(lab.knownHostsFile, 'utf8');
    await lab.host('rotor').rotateHostKey();
    try {
      const run = await runCli(['--json', '--accept-new-host-keys', '--known-hosts', lab.knownHostsFile, '-F', lab.sshConfigFile, '-H', 'rotor', 'run', '--', 'true']);
      assert.equal(run.code, 3);
      const error = resultsByHost(run).get('rotor')!.error!;
      assert.equal(error['name'], 'HostKeyChangedError');
      assert.equal(error['fingerprint'], fingerprintOf(lab.dir, lab.host('rotor').hostPublicKey));
      assert.equal(readFileSync(lab.knownHostsFile, 'utf8'), before);
    } finally {
      lab.refreshKnownHosts();
    }
  });

  it('finds a host named in capitals under its lowercase hashed known_hosts entry, as ssh does, and records nothing new', async () => {
    const known = join(mkdtempSync(join(lab.dir, 'upper-')), 'known_hosts');
    const key = lab.host('upper').hostPublicKey.split(' ').slice(0, 2).join(' ');
    writeFileSync(known, `[localhost]:${localhostPort} ${key}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', known], { stdio: 'ignore' });
    const hashed = readFileSync(known, 'utf8');
    assert.match(hashed, /^\|1\|/);
    for (const accept of [[], ['--accept-new-host-keys']]) {
      const run = await runCli(['--json', ...accept, '--known-hosts', known, '-k', lab.keyFile, '-H', `ops@LOCALHOST:${localhostPort}`, 'run', '--', 'hostname']);
      assert.equal(run.code, 0, run.stdout + run.stderr);
      assert.ok(run.events.some((e) => e.type === 'output' && e['line'] === 'upper'), run.stdout);
      assert.equal(readFileSync(known, 'utf8'), hashed);
    }
  });

  it('reaches a host only through its jump host (ProxyJump from ssh_config)', async () => {
    const straight = await runCli(['--json', '--retries', '0', '--connect-timeout', '2', '--known-hosts', lab.knownHostsFile, '-k', lab.keyFile, '-H', direct('inner'), 'run', '--', 'true']);
    assert.equal(straight.code, 3, 'the inner host must not be reachable without the jump host');
    assert.equal(resultsByHost(straight).get(direct('inner'))!.status, 'unreachable');
    const run = await runCli(['--json', '-F', lab.sshConfigFile, '-H', 'inner', 'run', '--', 'hostname']);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    assert.ok(run.events.some((e) => e.type === 'output' && e['host'] === 'inner' && e['line'] === 'inner'));
  });

  it('logs in with a password when no key is offered, and says which methods failed', async () => {
    const host = lab.host('alpha');
    const env = { CLOUDLET_SSH_PASSWORD: host.password };
    const ok = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-H', direct('alpha'), 'run', '--', 'whoami'], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.ok(ok.events.some((e) => e.type === 'output' && e['line'] === 'ops'));
    assert.ok(!ok.stdout.includes(host.password));

    const bad = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-H', direct('alpha'), 'run', '--', 'whoami'], { env: { CLOUDLET_SSH_PASSWORD: 'wrong-password' } });
    assert.equal(bad.code, 3);
    const error = resultsByHost(bad).get(direct('alpha'))!.error!;
    assert.equal(error['name'], 'AuthenticationError');
    assert.deepEqual(error['methodsTried'], ['password', 'keyboard-interactive']);
  });

  it('uses the keys of a running ssh-agent', async () => {
    const socket = join(mkdtempSync(join(lab.dir, 'agent-')), 'sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !(await probeSocket(socket)); i += 1) await new Promise((r) => setTimeout(r, 50));
      execFileSync('ssh-add', [lab.keyFile], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const run = await runCli(['--json', '--known-hosts', lab.knownHostsFile, '-H', direct('alpha'), 'run', '--', 'whoami'], { env: { SSH_AUTH_SOCK: socket } });
      assert.equal(run.code, 0, run.stdout + run.stderr);
    } finally {
      agent.kill();
    }
  });
});

async function probeSocket(path: string): Promise<boolean> {
  try {
    readFileSync(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}
