import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseForwardOption, parseReadyOption, UsageError } from '../../../sdk/cli/index.js';
import { formatTable } from '../../../sdk/cli/table.js';
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

describe('formatTable', () => {
  it('pads every column but the last to its widest cell', () => {
    assert.equal(formatTable(['ID', 'NAME'], [['b850e752', 'debian'], ['1', 'x']]), 'ID        NAME\nb850e752  debian\n1         x\n');
  });
});

describe('overlay and synthesis arguments', () => {
  it('exit 2 with the usage before touching libvirt', async () => {
    const env = { CLOUDLET_DIR: '/nonexistent/cloudlet' };
    for (const argv of [
      ['synthesis', 'tiny'],
      ['synthesis', 'tiny', 'x.zip', '--forward', 'tcp:ssh'],
      ['overlay', 'tiny'],
      ['overlay', 'tiny', '--script', 'a.sh', '--type', 'true'],
      ['overlay', 'tiny', '--interactive', '--wait-for', 'X'],
      ['overlay', 'tiny', '--type', 'true', '--settle', 'soon'],
      ['overlay', 'tiny', '--script', '/nonexistent/script.sh'],
    ]) {
      const run = await cloudlet(argv, { env });
      assert.equal(run.code, 2, argv.join(' '));
      assert.match(run.stderr, new RegExp(`usage: cloudlet ${argv[0]} `));
    }
  });
});
