import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planDeploy, wrapperScript } from '../../../../tasks/host/steps/deploy-sdk.js';
import { SETTINGS } from './facts.js';

const bundle = { key: '0.1.0-abc', version: '0.1.0', path: '/cache/0.1.0-abc.tar.gz' };

describe('deploy planner', () => {
  it('uploads, installs atomically and writes the wrapper on a fresh host', () => {
    const plan = planDeploy({ bundle, deployedKey: null, wrapper: null }, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.deepEqual(plan.actions.map((a) => a.kind), ['upload', 'command', 'file']);
    const install = plan.actions[1]!.kind === 'command' ? plan.actions[1]!.command.text : '';
    assert.match(install, /\.partial/);
    assert.match(install, /mv -T current\.new current/);
    assert.match(install, /runtime\/node.*--version/);
  });

  it('re-deploys only when the bundle differs', () => {
    const wrapper = wrapperScript(SETTINGS.prefix);
    assert.equal(planDeploy({ bundle, deployedKey: '0.1.0-abc', wrapper }, SETTINGS).kind, 'unchanged');
    const other = planDeploy({ bundle, deployedKey: '0.0.9-old', wrapper }, SETTINGS);
    assert.equal(other.kind === 'change' && other.actions.length, 3);
    const wrapperOnly = planDeploy({ bundle, deployedKey: '0.1.0-abc', wrapper: null }, SETTINGS);
    assert.deepEqual(wrapperOnly.kind === 'change' && wrapperOnly.actions.map((a) => a.kind), ['file']);
  });
});
