// The shipped example inventory must stay valid as the format evolves.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseInventory } from '../../tasks/inventory/inventory.js';

describe('playbooks/lab.example.yml', () => {
  it('parses and defines the hosts and groups its comments promise', () => {
    const file = fileURLToPath(new URL('../../../playbooks/lab.example.yml', import.meta.url));
    const inventory = parseInventory(readFileSync(file, 'utf8'), file);
    assert.deepEqual(inventory.groups.get('cloudlets'), ['cloudlet1', 'cloudlet2']);
    assert.deepEqual(inventory.groups.get('edge'), ['cloudlet3']);
    assert.equal(inventory.hosts.get('cloudlet1')!.proxyJump, 'bastion');
    assert.equal(inventory.hosts.get('cloudlet1')!.vars['min_disk_gb'], 40);
    // The suggested install command names groups, so the bastion (a jump host only) is not made a cloudlet.
    const install = /npx cloudlet-tasks -i inventory\.yml -H (\S+) install/.exec(readFileSync(file, 'utf8'))![1]!.split(',');
    const targets = install.flatMap((name) => inventory.groups.get(name) ?? [name]);
    assert.deepEqual(targets, ['cloudlet1', 'cloudlet2', 'cloudlet3']);
  });
});
