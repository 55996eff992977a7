// ssh_config as OpenSSH reads it: Include and Match followed, defaults not mistaken for
// settings, ProxyCommand honoured; the same answers from the fallback parser where ssh is
// missing; and real connections through all of it.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { SshConfigError, UsageError } from '../../../tasks/errors.js';
import { resolveHosts } from '../../../tasks/inventory/resolve-hosts.js';
import { loadSshConfig } from '../../../tasks/inventory/ssh-config.js';
import { startLab, type Lab } from '../../fixtures/hosts/index.js';
import { resultsByHost, runCli } from '../../fixtures/run-cli.js';

/** A config spread over files: the main one Includes a glob of others, one of which Includes a third. */
function writeConfigTree(dir: string): string {
  mkdirSync(join(dir, 'conf.d'));
  writeFileSync(
    join(dir, 'config'),
    [
      `Include ${dir}/conf.d/*.conf`,
      'Host matched',
      '  HostName 192.0.2.40',
      'Match originalhost matched',
      '  User matcher',
      '  Port 2240',
      'Host *.example.test',
      '  ProxyCommand nc %h %p',
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'conf.d', '10-web.conf'), [`Include ${dir}/deeper.inc`, 'Host web7 web8', '  HostName 192.0.2.7', '  User webop', '  IdentityFile ~/.ssh/web_%h', ''].join('\n'));
  writeFileSync(join(dir, 'conf.d', 'skipped.txt'), 'Host never\n  HostName 192.0.2.99\n');
  writeFileSync(join(dir, 'deeper.inc'), 'Host deep\n  HostName 192.0.2.77\n  Port 2277\n  UserKnownHostsFile /etc/deep_known_hosts\n');
  return join(dir, 'config');
}

for (const openSsh of [true, false]) {
  describe(`ssh_config read ${openSsh ? 'by ssh -G' : 'by the fallback parser'}`, () => {
    let dir: string;
    let file: string;
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'ssh-config-'));
      file = writeConfigTree(dir);
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('finds hosts defined in included files, following globs and nested Includes', async () => {
      const config = await loadSshConfig(file, { openSsh });
      const web8 = await config.lookup('web8');
      assert.deepEqual([web8.hostName, web8.user, web8.identityFiles], ['192.0.2.7', 'webop', [join(process.env['HOME'] ?? '', '.ssh/web_192.0.2.7')]]);
      const deep = await config.lookup('deep');
      assert.deepEqual([deep.hostName, deep.port, deep.knownHostsFiles], ['192.0.2.77', '2277', ['/etc/deep_known_hosts']]);
      assert.equal((await config.lookup('never')).hostName, undefined);
    });

    it('applies Match blocks', async () => {
      const matched = await (await loadSshConfig(file, { openSsh })).lookup('matched');
      assert.deepEqual([matched.hostName, matched.user, matched.port], ['192.0.2.40', 'matcher', '2240']);
    });

    it('reports a ProxyCommand as written and no settings where the config has none', async () => {
      const config = await loadSshConfig(file, { openSsh });
      assert.equal((await config.lookup('db.example.test')).proxyCommand, 'nc %h %p');
      assert.deepEqual(await config.lookup('plain-host'), { identityFiles: [], knownHostsFiles: [] });
    });

    it('leaves the user to -u, then the local user, where the config names none', async () => {
      const sshConfig = await loadSshConfig(file, { openSsh });
      assert.equal((await resolveHosts(['plain-host'], { sshConfig, defaultUser: 'deploy' }))[0]!.user, 'deploy');
      assert.equal((await resolveHosts(['plain-host'], { sshConfig }))[0]!.user, userInfo().username);
      assert.equal((await resolveHosts(['web7'], { sshConfig, defaultUser: 'deploy' }))[0]!.user, 'webop');
      assert.equal((await resolveHosts(['root@web7'], { sshConfig }))[0]!.user, 'root');
    });

    it('expands the ProxyCommand of a resolved host and refuses shell characters in its tokens', async () => {
      const sshConfig = await loadSshConfig(file, { openSsh });
      const [db] = await resolveHosts(['ops@db.example.test:2200'], { sshConfig });
      assert.equal(db!.proxyCommand, 'nc db.example.test 2200');
      // ssh -G refuses such a name itself; the fallback refuses it when expanding the ProxyCommand.
      await assert.rejects(resolveHosts(['ops@x$(reboot).example.test'], { sshConfig }), UsageError);
    });

    it('lists the aliases written on Host lines, included files too, without patterns', async () => {
      assert.deepEqual([...(await loadSshConfig(file, { openSsh })).aliases].sort(), ['deep', 'matched', 'web7', 'web8']);
    });
  });
}

describe('ssh_config files that cannot be used', () => {
  it('is an SshConfigError for a missing -F file or one OpenSSH refuses; a missing ~/.ssh/config is empty', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ssh-config-bad-'));
    try {
      await assert.rejects(loadSshConfig(join(dir, 'absent')), (error: unknown) => error instanceof SshConfigError && error.file === join(dir, 'absent'));
      writeFileSync(join(dir, 'bad'), 'Host x\n  Bogus yes\n');
      const bad = await loadSshConfig(join(dir, 'bad'), { openSsh: true });
      await assert.rejects(bad.lookup('x'), (error: unknown) => error instanceof SshConfigError && /Bad configuration option: bogus/.test(error.detail));
      const home = process.env['HOME'];
      process.env['HOME'] = dir;
      try {
        assert.deepEqual(await (await loadSshConfig(undefined)).lookup('x'), { identityFiles: [], knownHostsFiles: [] });
      } finally {
        process.env['HOME'] = home;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ssh_config with real hosts', () => {
  let lab: Lab;
  let config: string;
  let proxyLog: string;
  before(async () => {
    lab = await startLab([{ name: 'cfg1' }]);
    const host = lab.host('cfg1');
    const common = [`  IdentityFile ${lab.keyFile}`, '  IdentitiesOnly yes'];
    writeFileSync(join(lab.dir, 'included.conf'), ['Host included', `  HostName ${host.address}`, `  Port ${host.port}`, '  User ops', ...common, ''].join('\n'));
    proxyLog = join(lab.dir, 'proxy.log');
    // A ProxyCommand that works everywhere: a TCP relay in Node that notes the arguments it got.
    const relay = join(lab.dir, 'relay.mjs');
    writeFileSync(
      relay,
      [
        "import { appendFileSync } from 'node:fs';",
        "import { connect } from 'node:net';",
        `appendFileSync(${JSON.stringify(proxyLog)}, process.argv.slice(2).join(' ') + '\\n');`,
        'const socket = connect(Number(process.argv[3]), process.argv[2]);',
        'process.stdin.pipe(socket).pipe(process.stdout);',
        '',
      ].join('\n'),
    );
    config = join(lab.dir, 'ssh_config_tree');
    writeFileSync(
      config,
      [
        `Include ${lab.dir}/included.conf`,
        'Host matched proxied refused',
        `  HostName ${host.address}`,
        `  Port ${host.port}`,
        'Match originalhost matched',
        '  User ops',
        ...common,
        'Host proxied',
        '  User ops',
        `  ProxyCommand ${process.execPath} ${relay} %h %p %r %n`,
        ...common,
        'Host refused',
        '  User ops',
        "  ProxyCommand sh -c 'echo no route to %h >&2; exit 7'",
        '',
      ].join('\n'),
    );
  });
  after(() => lab?.stop());

  const run = (hosts: string): ReturnType<typeof runCli> =>
    runCli(['--json', '--retries', '0', '--known-hosts', lab.knownHostsFile, '-F', config, '-H', hosts, 'run', '--', 'hostname']);

  it('connects to hosts defined in an included file and by a Match block', async () => {
    const result = await run('included,matched');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    for (const name of ['included', 'matched']) assert.ok(result.events.some((e) => e.type === 'output' && e['host'] === name && e['line'] === 'cfg1'), name);
  });

  it('connects through a ProxyCommand, with its tokens expanded', async () => {
    const result = await run('proxied');
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.ok(result.events.some((e) => e.type === 'output' && e['host'] === 'proxied' && e['line'] === 'cfg1'));
    const host = lab.host('cfg1');
    assert.equal(readFileSync(proxyLog, 'utf8'), `${host.address} ${host.port} ops proxied\n`);
  });

  it('reports a ProxyCommand that fails at once with its exit code and what it said', async () => {
    const result = await run('refused');
    assert.equal(result.code, 3, result.stdout + result.stderr);
    const error = resultsByHost(result).get('refused')!.error!;
    assert.equal(error['name'], 'ConnectionError');
    assert.match(String(error['reason']), new RegExp(`^ProxyCommand 'sh -c .*' exited with code 7: no route to ${lab.host('cfg1').address.replace(/\./g, '\\.')}$`));
    assert.ok(result.durationMs < 5000, `took ${result.durationMs} ms (the connect timeout is 10 s)`);
  });
});
