import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sh } from '../../../../tasks/command/command.js';
import { installScript } from '../../../../tasks/install/bundle/install-script.js';
import { planDeploy, wrapperScript, type DeployFacts } from '../../../../tasks/install/steps/deploy-sdk.js';
import { SETTINGS } from './facts.js';

const facts: DeployFacts = { arch: 'x64', key: '0.1.0-x64-abc', deployedKey: null, wrapper: null, load: ['zstd-napi', '@unraid/libvirt'] };

describe('deploy planner', () => {
  it('uploads privately, installs as root from a checked upload, and writes the wrapper on a fresh host', () => {
    const plan = planDeploy(facts, SETTINGS);
    if (plan.kind !== 'change') return assert.fail('expected changes');
    assert.deepEqual(plan.actions.map((a) => a.kind), ['upload', 'file']);
    const upload = plan.actions[0]!;
    if (upload.kind !== 'upload') return assert.fail('expected an upload');
    const staged = '/tmp/cloudlet-upload.Q1w2E3r4T5/0.1.0-x64-abc.tar';
    const script = installScript({ prefix: SETTINGS.prefix, key: facts.key, arch: 'x64', staged, sha256: 'f'.repeat(64), load: facts.load });
    assert.equal(upload.then(staged, { path: '/cache/b.tar', sha256: 'f'.repeat(64) }).text, sh`sh -c ${script}`.text);
    // The checksum is verified before anything is unpacked, and nothing keeps the operator's owner or modes.
    assert.ok(script.indexOf('sha256sum -c') < script.indexOf('-xf "$staged"'), 'checked before unpacking');
    assert.match(script, new RegExp(`${'f'.repeat(64)}`));
    for (const unpack of script.match(/tar [^\n]*-x[z]?f/g) ?? []) assert.match(unpack, /--no-same-owner --no-same-permissions/, unpack);
    assert.match(script, /umask 022/);
    assert.match(script, /chown -R 0:0 \.; chmod -R go-w \./);
    assert.match(script, /node-gyp\.js" rebuild --nodedir="\$partial\/runtime"/);
    assert.match(script, /prebuilds\/linux-\$arch/);
    assert.match(script, / zstd-napi @unraid\/libvirt \$\(find "\$partial\/node_modules" -path '\*\/build\/Release\/\*\.node'\)/);
    assert.match(script, /mv -T current\.new current/);
    assert.ok(script.indexOf('--version') < script.indexOf('mv -T "$partial" "$release"'), 'the runtime ran before the switch');
  });

  it('re-deploys only when the key differs, and rewrites a stale wrapper alone', () => {
    const wrapper = wrapperScript(SETTINGS.prefix);
    assert.equal(planDeploy({ ...facts, deployedKey: facts.key, wrapper }, SETTINGS).kind, 'unchanged');
    const other = planDeploy({ ...facts, deployedKey: '0.0.9-x64-old', wrapper }, SETTINGS);
    assert.deepEqual(other.kind === 'change' && other.actions.map((a) => a.kind), ['upload', 'file']);
    const wrapperOnly = planDeploy({ ...facts, deployedKey: facts.key, wrapper: null }, SETTINGS);
    assert.deepEqual(wrapperOnly.kind === 'change' && wrapperOnly.actions.map((a) => a.kind), ['file']);
    assert.match(wrapper, /\/opt\/cloudlet-tasks\/current\/runtime\/bin\/node/);
  });
});
