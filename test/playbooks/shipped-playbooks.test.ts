// The shipped playbooks' `base` and `vm` steps are valid arguments of those step kinds, and the
// testbed pins what it says it pins. (Loading whole playbooks is the engine's test.)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { baseKind } from '../../tasks/playbook/steps/base-step.js';
import { vmKind } from '../../tasks/playbook/steps/vm-step.js';

type Steps = Array<Record<string, unknown>>;
const kinds = { base: baseKind, vm: vmKind } as const;

function cloudletSteps(file: string): Array<{ key: 'base' | 'vm'; args: Record<string, unknown> }> {
  const path = fileURLToPath(new URL(`../../../playbooks/${file}`, import.meta.url));
  const { steps } = parse(readFileSync(path, 'utf8')) as { steps: Steps };
  return steps.flatMap((step) => (['base', 'vm'] as const).filter((key) => key in step).map((key) => ({ key, args: kinds[key].schema.parse(step[key]) as Record<string, unknown> })));
}

describe('playbooks/lab.yml, testbed.yml, teardown.yml', () => {
  it('lab.yml: a base present and a VM per host running', () => {
    assert.deepEqual(cloudletSteps('lab.yml').map(({ key, args }) => [key, args['state']]), [['base', 'present'], ['vm', 'running']]);
  });

  it('testbed.yml: the base pinned by ID, the VM by its overlay SHA-256 on that base', () => {
    const [base, vm] = cloudletSteps('testbed.yml');
    assert.match(String(base?.args['id']), /^[0-9a-f]{64}$/);
    assert.equal(vm?.args['base'], base?.args['id']);
    assert.match(String(vm?.args['sha256']), /^[0-9a-f]{64}$/);
  });

  it('teardown.yml: the VMs absent, then the base', () => {
    assert.deepEqual(cloudletSteps('teardown.yml').map(({ key, args }) => [key, args['state']]), [['vm', 'absent'], ['vm', 'absent'], ['base', 'absent']]);
  });
});
