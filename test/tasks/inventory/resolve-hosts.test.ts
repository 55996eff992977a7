import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UnknownHostError, UsageError } from '../../../tasks/errors.js';
import { parseHostSpec } from '../../../tasks/inventory/host-target.js';
import { parseInventory } from '../../../tasks/inventory/inventory.js';
import { resolveHosts } from '../../../tasks/inventory/resolve-hosts.js';
import { loadSshConfig, type SshConfigSource } from '../../../tasks/inventory/ssh-config.js';

describe('host specs', () => {
  it('parses user, host, port and bracketed IPv6', () => {
    assert.deepEqual(parseHostSpec('ops@10.0.0.1:2222'), { user: 'ops', host: '10.0.0.1', port: 2222 });
    assert.deepEqual(parseHostSpec('web1'), { host: 'web1' });
    assert.deepEqual(parseHostSpec('[::1]:22'), { host: '::1', port: 22 });
  });

  it('refuses malformed specs and ports', () => {
    assert.throws(() => parseHostSpec('a@b@c'), UsageError);
    assert.throws(() => parseHostSpec('web1:99999'), UsageError);
    assert.throws(() => parseHostSpec('web 1'), UsageError);
  });
});

describe('resolveHosts', () => {
  let dir: string;
  let sshConfig: SshConfigSource;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'resolve-'));
    await writeFile(
      join(dir, 'config'),
      'Host bastion\n  HostName 192.0.2.1\n  User jump\n  Port 2200\n\nHost web*\n  User ops\n  IdentityFile ~/.ssh/web_%h\n  ProxyJump bastion\n\nHost web1\n  HostName 192.0.2.11\n',
    );
    sshConfig = await loadSshConfig(join(dir, 'config'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('applies ~/.ssh/config aliases, users, keys and jump hosts', async () => {
    const [web1] = await resolveHosts(['web1'], { sshConfig });
    assert.equal(web1!.address, '192.0.2.11');
    assert.equal(web1!.user, 'ops');
    assert.match(web1!.identityFiles[0]!, /\.ssh\/web_192\.0\.2\.11$/);
    assert.equal(web1!.jumps.length, 1);
    assert.deepEqual([web1!.jumps[0]!.address, web1!.jumps[0]!.port, web1!.jumps[0]!.user], ['192.0.2.1', 2200, 'jump']);
  });

  it('lets the -H spec win over ssh_config and the inventory', async () => {
    const [host] = await resolveHosts(['root@web1:2022'], { sshConfig });
    assert.equal(host!.user, 'root');
    assert.equal(host!.port, 2022);
  });

  it('expands inventory groups, dedupes hosts and defaults to every inventory host', async () => {
    const inventory = parseInventory('groups:\n  lab:\n    hosts:\n      a: { address: 192.0.2.5 }\n      b: { address: 192.0.2.6 }\n', 'inv.yml');
    assert.deepEqual((await resolveHosts(['lab,a'], { sshConfig, inventory })).map((h) => h.name), ['a', 'b']);
    assert.deepEqual((await resolveHosts([], { sshConfig, inventory })).map((h) => h.address), ['192.0.2.5', '192.0.2.6']);
    assert.deepEqual((await resolveHosts(['a'], { sshConfig, inventory }))[0]!.groups, ['lab']);
  });

  it('with an inventory, refuses a name that is no host, group or alias, listing them all with close matches', async () => {
    const inventory = parseInventory('hosts:\n  bastion: {}\ngroups:\n  cloudlets:\n    hosts: [lab1, lab2]\n', 'lab.yml');
    await assert.rejects(resolveHosts(['cloudlts,lab1', 'lab9', 'zzz'], { sshConfig, inventory }), (error: unknown) => {
      assert.ok(error instanceof UnknownHostError);
      assert.deepEqual(error.names, ['cloudlts', 'lab9', 'zzz']);
      assert.equal(error.inventoryFile, 'lab.yml');
      assert.deepEqual(error.groups, ['cloudlets']);
      assert.deepEqual(error.hosts, ['bastion', 'lab1', 'lab2']);
      assert.deepEqual(error.suggestions, { cloudlts: 'cloudlets', lab9: 'lab1' });
      return true;
    });
  });

  it('with an inventory, still takes ssh_config aliases and explicit ad-hoc hosts', async () => {
    const inventory = parseInventory('groups:\n  lab:\n    hosts:\n      a: { address: 192.0.2.5 }\n', 'inv.yml');
    const hosts = await resolveHosts(['lab,web1,ops@adhoc.example.test,db9:2222,198.51.100.4,all'], { sshConfig, inventory });
    assert.deepEqual(
      hosts.map((h) => [h.name, h.address, h.port]),
      [
        ['a', '192.0.2.5', 22],
        ['web1', '192.0.2.11', 22],
        ['ops@adhoc.example.test', 'adhoc.example.test', 22],
        ['db9:2222', 'db9', 2222],
        ['198.51.100.4', '198.51.100.4', 22],
      ],
    );
  });

  it('without an inventory, takes any name as a host to connect to', async () => {
    assert.deepEqual((await resolveHosts(['somehost'], { sshConfig })).map((h) => h.address), ['somehost']);
  });

  it('refuses an empty selection and ProxyJump loops', async () => {
    await assert.rejects(resolveHosts([], { sshConfig }), UsageError);
    await writeFile(join(dir, 'loop'), 'Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n');
    const loop = await loadSshConfig(join(dir, 'loop'));
    await assert.rejects(resolveHosts(['a'], { sshConfig: loop }), /ProxyJump loop/);
  });
});
