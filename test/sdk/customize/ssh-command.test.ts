import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { classifySshFailure, FINGERPRINT, formatDestination, keyFingerprint, sshArgs } from '../../../sdk/customize/index.js';

const target = { user: 'root', host: '127.0.0.1', port: 2222 };

describe('sshArgs', () => {
  const args = sshArgs(target, '/keys/id', '/tmp/known_hosts', ['sh', '-s']);
  const option = (name: string) => args.flatMap((arg, index) => (args[index - 1] === '-o' && arg.startsWith(`${name}=`) ? [arg.slice(name.length + 1)] : []));

  it('checks the host key strictly against the one file, never prompts, never writes it', () => {
    assert.deepEqual(option('StrictHostKeyChecking'), ['yes']);
    assert.deepEqual(option('BatchMode'), ['yes']);
    assert.deepEqual(option('UserKnownHostsFile'), ['/tmp/known_hosts']);
    assert.deepEqual(option('GlobalKnownHostsFile'), ['/dev/null']);
    assert.deepEqual(option('UpdateHostKeys'), ['no']);
    assert.deepEqual(option('PasswordAuthentication'), ['no']);
  });

  it('logs in with only the given key, without config files, agent or TTY, and ends with destination and command', () => {
    assert.deepEqual(args.slice(0, 3), ['-F', 'none', '-T']);
    assert.deepEqual(option('IdentitiesOnly'), ['yes']);
    assert.deepEqual(option('IdentityAgent'), ['none']);
    assert.deepEqual(args.slice(-9), ['-i', '/keys/id', '-p', '2222', '-l', 'root', '127.0.0.1', 'sh', '-s']);
  });

  it('refuses destinations ssh could read as options', () => {
    assert.throws(() => sshArgs({ ...target, host: '-oProxyCommand=x' }, 'k', 'h', ['true']), RangeError);
    assert.throws(() => sshArgs({ ...target, user: 'a b' }, 'k', 'h', ['true']), RangeError);
    assert.throws(() => sshArgs({ ...target, port: 0 }, 'k', 'h', ['true']), RangeError);
  });

  it('formats the destination as user@host:port', () => {
    assert.equal(formatDestination(target), 'root@127.0.0.1:2222');
  });
});

describe('classifySshFailure', () => {
  it("tells ssh's own failures apart by their message", () => {
    const cases: Array<[string, ReturnType<typeof classifySshFailure>]> = [
      ['Host key for [127.0.0.1]:2222 has changed and you have requested strict checking.\nHost key verification failed.', 'host-key'],
      ['No ED25519 host key is known for [127.0.0.1]:2222 and you have requested strict checking.\nHost key verification failed.', 'host-key'],
      ['root@127.0.0.1: Permission denied (publickey).', 'auth'],
      ['ssh: connect to host 127.0.0.1 port 2223: Connection refused', 'refused'],
      ['Connection timed out during banner exchange', 'timeout'],
      ['kex_exchange_identification: read: Connection reset by peer\nConnection reset by 127.0.0.1 port 2222', 'closed'],
      ['kex_exchange_identification: Connection closed by remote host', 'closed'],
      ['cp: cannot stat /x: No such file or directory', undefined],
      ['', undefined],
    ];
    for (const [stderr, expected] of cases) assert.equal(classifySshFailure(stderr), expected, stderr);
  });
});

describe('keyFingerprint', () => {
  it('is the unpadded base64 SHA-256 of the key blob, as ssh-keygen -l prints it', () => {
    const blob = Buffer.from('a public key blob');
    const fingerprint = keyFingerprint(blob.toString('base64'));
    assert.equal(fingerprint, `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`);
    assert.match(fingerprint, FINGERPRINT);
  });

  it('matches what dropbearkey printed for a real ed25519 host key', () => {
    assert.equal(keyFingerprint('AAAAC3NzaC1lZDI1NTE5AAAAIBvg/3BsbLTDW0K8FW/hUhwbQmqg1BiY0f1uv86QZfHL'), 'SHA256:+aC+uA657ho4FWGORyOIV1e1v5fFTCmY1GOQ5ZNfFdQ');
  });
});
