import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planServerService, serverUnit } from '../../../../tasks/install/steps/server-service.js';

const settings = { user: 'ops', server: true };

describe('synthesis server service planner', () => {
  it('writes the unit running as the VM user, then enables and starts it; a second run changes nothing', () => {
    const plan = planServerService({ init: 'systemd', unit: null, enabled: false, active: false }, settings);
    assert.equal(plan.kind, 'change');
    const [file, command] = plan.kind === 'change' ? plan.actions : [];
    assert.equal(file?.kind === 'file' && file.path, '/etc/systemd/system/cloudlet-serve.service');
    assert.match(file?.kind === 'file' ? String(file.content) : '', /^User=ops$/m);
    assert.doesNotMatch(serverUnit('ops'), /User=root/);
    assert.equal(command?.kind === 'command' && command.command.text, 'systemctl daemon-reload && systemctl enable cloudlet-serve && systemctl restart cloudlet-serve');
    assert.equal(planServerService({ init: 'systemd', unit: serverUnit('ops'), enabled: true, active: true }, settings).kind, 'unchanged');
    const stopped = planServerService({ init: 'systemd', unit: serverUnit('ops'), enabled: true, active: false }, settings);
    assert.equal(stopped.kind === 'change' && stopped.actions[0]!.kind === 'command' && stopped.actions[0]!.command.text, 'systemctl enable --now cloudlet-serve');
  });

  it('is skipped, with the reason, without --server or without systemd', () => {
    assert.match(JSON.stringify(planServerService({ init: 'systemd', unit: null, enabled: false, active: false }, { user: 'ops' })), /"skipped".*install --server/);
    const plan = planServerService({ init: 'other', unit: null, enabled: false, active: false }, settings);
    assert.equal(plan.kind, 'skipped');
    assert.match(plan.kind === 'skipped' ? plan.reason : '', /no systemd.*cloudlet serve' as ops/);
  });
});
