import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InventoryError } from '../../../tasks/errors.js';
import { parseInventory } from '../../../tasks/inventory/inventory.js';

const GOOD = `
vars:
  prefix: /opt/cloudlet
  tier: all
hosts:
  bastion: { address: 10.0.0.1, user: jump }
groups:
  lab:
    vars: { tier: lab, min_disk_gb: 20 }
    hosts:
      lab1: { address: 10.0.0.11, port: 2222, proxy_jump: bastion, vars: { tier: special } }
      lab2:
  edge:
    hosts: [lab2, bastion]
`;

function errorOf(text: string): InventoryError {
  try {
    parseInventory(text, 'inv.yml');
  } catch (error) {
    assert.ok(error instanceof InventoryError, `expected InventoryError, got ${String(error)}`);
    return error;
  }
  assert.fail('inventory was accepted');
}

describe('inventory', () => {
  it('reads hosts, groups and connection fields', () => {
    const inv = parseInventory(GOOD, 'inv.yml');
    assert.deepEqual([...inv.hosts.keys()].sort(), ['bastion', 'lab1', 'lab2']);
    assert.deepEqual(inv.groups.get('lab'), ['lab1', 'lab2']);
    assert.deepEqual(inv.groups.get('edge'), ['lab2', 'bastion']);
    const lab1 = inv.hosts.get('lab1')!;
    assert.equal(lab1.address, '10.0.0.11');
    assert.equal(lab1.port, 2222);
    assert.equal(lab1.proxyJump, 'bastion');
  });

  it('layers variables: global, then group, then host', () => {
    const inv = parseInventory(GOOD, 'inv.yml');
    assert.deepEqual(inv.hosts.get('lab1')!.vars, { prefix: '/opt/cloudlet', tier: 'special', min_disk_gb: 20 });
    assert.deepEqual(inv.hosts.get('lab2')!.vars, { prefix: '/opt/cloudlet', tier: 'lab', min_disk_gb: 20 });
    assert.deepEqual(inv.hosts.get('bastion')!.vars, { prefix: '/opt/cloudlet', tier: 'all' });
  });

  it('points at the line and column of an unknown key', () => {
    const error = errorOf('hosts:\n  web1:\n    adress: 10.0.0.1\n');
    assert.equal(error.line, 3);
    assert.equal(error.column, 5);
    assert.match(error.detail, /unknown key 'adress'/);
  });

  it('refuses a bad port with its position', () => {
    const error = errorOf('hosts:\n  web1:\n    port: 70000\n');
    assert.equal(error.line, 3);
    assert.match(error.detail, /port/);
  });

  it('refuses broken YAML with the position of the problem', () => {
    const error = errorOf('hosts:\n  web1: {address: [\n');
    assert.ok(error.line >= 2);
    assert.match(error.detail, /not valid YAML/);
  });

  it('refuses duplicate keys, conflicting definitions and names used twice', () => {
    assert.match(errorOf('hosts:\n  a: {}\n  a: {}\n').detail, /YAML/);
    assert.match(errorOf('hosts:\n  a: { port: 22 }\ngroups:\n  g:\n    hosts:\n      a: { port: 23 }\n').detail, /conflicts/);
    assert.match(errorOf('hosts:\n  web: {}\ngroups:\n  web:\n    hosts: [a]\n').detail, /both a group and a host/);
    assert.match(errorOf('hosts:\n  "bad name": {}\n').detail, /not a valid name/);
  });
});
