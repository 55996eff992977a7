// Playbook validation without any host: every problem at once, each at its line and column,
// "did you mean" for keys, kinds and groups, fields checked against every selected host.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { hostTarget } from '../../../tasks/inventory/host-target.js';
import { definePlaybook } from '../../../tasks/playbook/define-playbook.js';
import { PlaybookError } from '../../../tasks/playbook/errors.js';
import { parsePlaybookYaml } from '../../../tasks/playbook/load-playbook.js';
import { validatePlaybook, type ValidateOptions } from '../../../tasks/playbook/validate-playbook.js';
import { selectSteps } from '../../../tasks/playbook/step-selection.js';
import { UsageError } from '../../../tasks/errors.js';

const INVENTORY = `groups:
  cloudlets:
    vars: { rack: r1 }
    hosts: { c1: { address: 10.0.0.1 }, c2: { address: 10.0.0.2, vars: { rack: r2 } } }
  edge:
    hosts: { e1: { address: 10.0.0.3 } }
`;

describe('playbook validation', () => {
  let dir: string;
  const options: ValidateOptions = {
    aliases: new Set(),
    selectHosts: async (patterns, inventory) =>
      [...(inventory?.hosts.values() ?? [])].filter((h) => patterns.some((p) => p === h.name || h.groups.includes(p))).map((h) => hostTarget(h.name, { vars: h.vars, groups: h.groups })),
  };
  const problems = async (yaml: string): Promise<string[]> => {
    try {
      await validatePlaybook(parsePlaybookYaml(yaml, join(dir, 'play.yml')), options);
    } catch (error) {
      assert.ok(error instanceof PlaybookError, String(error));
      return error.problems.map((p) => `${p.line ?? '-'}:${p.column ?? '-'} ${p.path}: ${p.message}`);
    }
    return [];
  };
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clt-pbv-'));
    writeFileSync(join(dir, 'inventory.yml'), INVENTORY);
    writeFileSync(join(dir, 'motd.in'), 'rack {rack}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a good playbook and returns its steps, ids and hosts', async () => {
    const { playbook, hosts } = await validatePlaybook(
      parsePlaybookYaml(
        'name: a\nhosts: cloudlets\ninventory: inventory.yml\nserial: "50%"\nvars: { site: x }\nsteps:\n  - name: motd\n    file: { path: /etc/motd, template: motd.in }\n  - file: { path: "/etc/{site}", content: "{rack} {host} {index}" }\n  - run: { command: "echo ${{HOME}}" }\n',
        join(dir, 'play.yml'),
      ),
      options,
    );
    assert.deepEqual(hosts.map((h) => h.name), ['c1', 'c2']);
    assert.deepEqual(playbook.steps.map((s) => [s.id, s.title]), [['file#1', 'motd'], ['file#2', undefined], ['run#1', undefined]]);
    assert.deepEqual(playbook.steps[0]!.args, { path: '/etc/motd', template: 'motd.in', mode: '0644', owner: 'root', secret: false });
    assert.equal(playbook.serial, '50%');
  });

  it('reports every problem at once, in file order, with line, column and a guess', async () => {
    const found = await problems(
      [
        'name: a',
        'hosts: cloudlet',
        'inventory: inventory.yml',
        'serail: 2',
        'steps:',
        '  - file: { path: /etc/motd, content: "{rack} {nope}\\n", mdoe: "0644" }',
        '  - run: { command: uptime, sudo: "yes" }',
        '  - fiel: { path: /x }',
        '  - file: { path: /etc/y, src: missing.txt }',
        '  - { file: { path: /a, content: x }, run: { command: y } }',
        '  - file: { path: /b }',
      ].join('\n'),
    );
    assert.deepEqual(found, [
      "2:8 hosts: 'cloudlet' is no host or group of " + join(dir, 'inventory.yml') + " (did you mean 'cloudlets'?); its groups: cloudlets, edge",
      "4:1 serail: unknown key 'serail' (did you mean 'serial'?); the keys here are name, hosts, inventory, serial, max_fail_percentage, vars, steps",
      '6:39 steps[0].file.content: unknown field {nope}: no playbook variable or inventory variable is called nope; the fields are {host}, {index} and the variables (write {{ and }} for literal braces)',
      "6:58 steps[0].file.mdoe: unknown key 'mdoe' (did you mean 'mode'?); the keys here are path, content, template, src, mode, owner, group, secret",
      '7:35 steps[1].run.sudo: Invalid input: expected boolean, received string',
      "8:5 steps[2].fiel: unknown step kind 'fiel' (did you mean 'file'?); the kinds are install, base, vm, file, run, check",
      `9:32 steps[3].file.src: no such local file: ${join(dir, 'missing.txt')}`,
      '10:39 steps[4].run: one step kind per step, this one has file and run: write them as separate steps',
      '11:11 steps[5].file: give exactly one of content, template or src',
    ]);
  });

  it('names the hosts that lack a variable a field uses', async () => {
    const found = await problems('name: a\nhosts: cloudlets,edge\ninventory: inventory.yml\nsteps:\n  - file: { path: /etc/rack, content: "{rack}" }\n');
    assert.deepEqual(found, ['5:39 steps[0].file.content: unknown field {rack}: no playbook variable, and no inventory variable on e1 is called rack; the fields are {host}, {index} and the variables (write {{ and }} for literal braces)']);
  });

  it('reports YAML syntax errors, an unreadable inventory, reserved variable names', async () => {
    assert.match((await problems('name: a\nhosts: [x\n'))[0]!, /^\d+:\d+ : not valid YAML/);
    assert.deepEqual(await problems('name: a\nhosts: x\ninventory: none.yml\nvars: { host: y }\nsteps:\n  - run: { command: id }\n'), [
      `3:12 inventory: inventory ${join(dir, 'none.yml')}: cannot read inventory: ENOENT: no such file or directory, open '${join(dir, 'none.yml')}'`,
      "4:9 vars.host: 'host' is a field every host has already ({host}); name the variable otherwise",
    ]);
  });

  it('validates a TypeScript playbook the same way, with key paths and no positions', async () => {
    const source = { file: join(dir, 'play.ts'), data: definePlaybook({ name: 'a', hosts: 'x', steps: [{ file: { path: 'rel', content: 'c' } }] }), locate: () => undefined };
    await assert.rejects(validatePlaybook(source, options), (error: unknown) => error instanceof PlaybookError && /\n {2}\S+play\.ts: steps\[0\]\.file\.path: must be an absolute path$/.test(error.message));
  });

  it('selects steps by title, kind or kind#N for --only and --skip, and refuses unknown names with a guess', async () => {
    const { playbook } = await validatePlaybook(
      parsePlaybookYaml('name: a\nhosts: c1\ninventory: inventory.yml\nsteps:\n  - { name: motd, file: { path: /a, content: x } }\n  - file: { path: /b, content: y }\n  - run: { command: id }\n', join(dir, 'p.yml')),
      options,
    );
    assert.deepEqual([...selectSteps(playbook.steps, 'motd,run', undefined).keys()], ['file#2']);
    assert.deepEqual([...selectSteps(playbook.steps, undefined, 'file#2')], [['file#2', 'left out by --skip']]);
    assert.deepEqual([...selectSteps(playbook.steps, 'file', 'file#1').keys()], ['file#1', 'run#1']);
    assert.throws(() => selectSteps(playbook.steps, 'mtod', undefined), (error: unknown) => error instanceof UsageError && /--only 'mtod' names no step of the playbook \(did you mean 'motd'\?\)/.test(error.message));
  });
});
