import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseForwardOption, parseReadyOption, parseSshOptions, UsageError } from '../../../sdk/cli/index.js';
import { cloudlet } from './cli-harness.js';

describe('--ready', () => {
  it('matches serial TEXT as plain text anywhere in a line', () => {
    const { readiness, forwards } = parseReadyOption('serial:login: (x)', 5_000);
    assert.ok(readiness.kind === 'serial');
    assert.ok(readiness.pattern.test('debian login: (x) '));
    assert.ok(!readiness.pattern.test('debian login: x'));
    assert.equal(readiness.timeoutMs, 5_000);
    assert.deepEqual(forwards, []);
  });

  it('forwards the port a tcp condition probes', () => {
    assert.deepEqual(parseReadyOption('tcp:2222:22', 1_000), { readiness: { kind: 'tcp', port: 2222, timeoutMs: 1_000 }, forwards: [{ protocol: 'tcp', hostPort: 2222, guestPort: 22 }] });
    assert.deepEqual(parseReadyOption('tcp:8080', 1_000).forwards, [{ protocol: 'tcp', hostPort: 8080, guestPort: 8080 }]);
  });

  it('takes delays in seconds', () => {
    assert.deepEqual(parseReadyOption('delay:1.5', 1_000).readiness, { kind: 'delay', ms: 1_500 });
  });

  it('refuses anything else as a usage error', () => {
    for (const value of ['serial:', 'tcp:0', 'tcp:70000', 'tcp:ssh', 'delay:soon', 'login', '']) {
      assert.throws(() => parseReadyOption(value, 1_000), UsageError, value);
    }
  });
});

describe('--forward', () => {
  it('reads protocol, optional host address and both ports', () => {
    assert.deepEqual(parseForwardOption('tcp:2222:22'), { protocol: 'tcp', hostPort: 2222, guestPort: 22 });
    assert.deepEqual(parseForwardOption('udp:0.0.0.0:5353:53'), { protocol: 'udp', hostAddress: '0.0.0.0', hostPort: 5353, guestPort: 53 });
  });

  it('refuses anything else as a usage error', () => {
    for (const value of ['tcp:22', 'sctp:1:2', 'tcp:0:22', 'tcp:1:65536', 'tcp:host:1:2']) {
      assert.throws(() => parseForwardOption(value), UsageError, value);
    }
  });
});

describe('--ssh', () => {
  const forwards = [parseForwardOption('tcp:127.0.0.1:2222:22')];
  const pin = 'SHA256:+aC+uA657ho4FWGORyOIV1e1v5fFTCmY1GOQ5ZNfFdQ';
  const ssh = { ssh: 'root@127.0.0.1:2222', 'ssh-key': 'id', script: 'setup.sh' };

  it('reads destination, key, script and a pinned fingerprint or a known_hosts file', () => {
    assert.deepEqual(parseSshOptions({ ...ssh, 'host-key': pin }, forwards, 60_000), {
      target: { user: 'root', host: '127.0.0.1', port: 2222 },
      identityFile: 'id',
      hostKey: { fingerprint: pin },
      scriptFile: 'setup.sh',
      connectTimeoutMs: 60_000,
    });
    assert.deepEqual(parseSshOptions({ ...ssh, 'known-hosts': 'kh' }, forwards, 1_000)?.hostKey, { knownHostsFile: 'kh' });
    assert.equal(parseSshOptions({ ...ssh, ssh: 'op@localhost', 'known-hosts': 'kh' }, [parseForwardOption('tcp:22:22')], 1_000)?.target.port, 22);
  });

  it('is absent without --ssh, and then refuses its companions', () => {
    assert.equal(parseSshOptions({ script: 'setup.sh' }, [], 1_000), undefined);
    assert.throws(() => parseSshOptions({ 'host-key': pin }, [], 1_000), UsageError);
  });

  it('refuses incomplete, unverified or unreachable set-ups as usage errors', () => {
    for (const values of [
      { ...ssh, ssh: '127.0.0.1:2222', 'host-key': pin },
      { ...ssh, ssh: 'root@-oProxyCommand=x', 'host-key': pin },
      { ...ssh, ssh: 'root@127.0.0.1:70000', 'host-key': pin },
      { ...ssh, script: undefined, 'host-key': pin },
      { ...ssh, 'ssh-key': undefined, 'host-key': pin },
      { ...ssh },
      { ...ssh, 'host-key': pin, 'known-hosts': 'kh' },
      { ...ssh, 'host-key': 'MD5:ab:cd' },
      { ...ssh, ssh: 'root@127.0.0.1:2223', 'host-key': pin },
    ]) {
      assert.throws(() => parseSshOptions(values, forwards, 1_000), UsageError, JSON.stringify(values));
    }
  });
});

describe('overlay and synthesis arguments', () => {
  it('exit 2 with the usage before touching libvirt', async () => {
    const env = { CLOUDLET_DIR: '/nonexistent/cloudlet' };
    for (const argv of [
      ['synthesis', 'tiny'],
      ['synthesis', 'tiny', 'x.zip', '--forward', 'tcp:ssh'],
      ['synthesis', 'tiny', '--early-start'],
      ['overlay', 'tiny'],
      ['overlay', 'tiny', '--script', 'a.sh', '--type', 'true'],
      ['overlay', 'tiny', '--interactive', '--wait-for', 'X'],
      ['overlay', 'tiny', '--type', 'true', '--settle', 'soon'],
      ['overlay', 'tiny', '--script', '/nonexistent/script.sh'],
      ['overlay', 'tiny', '--ssh', 'root@127.0.0.1:2222', '--ssh-key', 'id', '--script', 'a.sh', '--forward', 'tcp:2222:22'],
      ['overlay', 'tiny', '--ssh', 'root@127.0.0.1:2222', '--type', 'true'],
      ['overlay', 'tiny', '--type', 'true', '--mode', 'u+rw'],
      ['overlay', 'tiny', '--type', 'true', '--mode', '4755'],
      ['overlay', 'tiny', '--type', 'true', '--no-trim'],
    ]) {
      const run = await cloudlet(argv, { env });
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, new RegExp(`usage: cloudlet ${argv[0]} `));
    }
  });
});

describe('--json failures', () => {
  it('end stdout with a kind:error line carrying the code, besides the line on stderr', async () => {
    const usage = await cloudlet(['list-base', '--json', '--no-such-option']);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^cloudlet list-base: .*\nusage: cloudlet list-base/);
    assert.deepEqual(usage.json.at(-1), { v: 1, kind: 'error', error: { name: 'UsageError', code: 'usage', message: usage.stderr.split('\n')[0]!.replace('cloudlet list-base: ', ''), category: 'usage' } });
    const missing = await cloudlet(['info-overlay', '/nonexistent/x.overlay.zip', '--json']);
    assert.equal(missing.code, 1, missing.stderr);
    const error = missing.json.at(-1)?.['error'] as Record<string, unknown> | undefined;
    assert.equal(missing.json.at(-1)?.['kind'], 'error');
    assert.equal(typeof error?.['code'], 'string');
  });
});
