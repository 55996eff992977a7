// The shipped playbooks pass the engine's whole validation with the example inventory, but for
// the files a user brings (the base archive and the overlay, not in the package); with those in
// place they are valid as shipped, and the testbed refuses files other than the ones it pins.
// (lab-rollout.test.ts runs lab.yml and teardown.yml on real hosts.)
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hostTarget } from '../../tasks/inventory/host-target.js';
import { PlaybookError } from '../../tasks/playbook/errors.js';
import { parsePlaybookYaml } from '../../tasks/playbook/load-playbook.js';
import { validatePlaybook } from '../../tasks/playbook/validate-playbook.js';
import { craftPackage } from '../sdk/synthesis/crafted-overlay.js';

const SHIPPED = fileURLToPath(new URL('../../../playbooks/', import.meta.url));

/** Every problem validation finds in `file` of `dir`, as `line:column path: message`. */
async function problems(dir: string, file: string): Promise<string[]> {
  const path = join(dir, file);
  try {
    await validatePlaybook(parsePlaybookYaml(readFileSync(path, 'utf8'), path), {
      inventoryFile: join(SHIPPED, 'lab.example.yml'),
      aliases: new Set(),
      selectHosts: async (patterns, inventory) =>
        [...(inventory?.hosts.values() ?? [])].filter((h) => patterns.some((p) => p === h.name || h.groups.includes(p))).map((h) => hostTarget(h.name, { vars: h.vars, groups: h.groups })),
    });
    return [];
  } catch (error) {
    assert.ok(error instanceof PlaybookError, String(error));
    return error.problems.map((p) => `${p.line}:${p.column} ${p.path}: ${p.message}`);
  }
}

describe('playbooks/lab.yml, testbed.yml, teardown.yml', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'clt-shipped-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('as shipped: valid but for the base archive and the overlay the user puts beside them', async () => {
    assert.deepEqual(await problems(SHIPPED, 'lab.yml'), [
      `18:22 steps[1].base.archive: no such local file: ${join(SHIPPED, 'bases/debian-12.zip')}`,
      `20:58 steps[2].vm.overlay: no such local file: ${join(SHIPPED, 'overlays/web.zip')}`,
    ]);
    assert.deepEqual(await problems(SHIPPED, 'teardown.yml'), []);
    assert.deepEqual((await problems(SHIPPED, 'testbed.yml')).map((line) => line.split(': ')[0]), ['14:16 steps[0].base.archive', '20:16 steps[1].vm.overlay']);
  });

  it('the testbed refuses an archive and an overlay other than the pinned ones, each at its key', async () => {
    copyFileSync(join(SHIPPED, 'testbed.yml'), join(dir, 'testbed.yml'));
    for (const sub of ['bases', 'overlays']) mkdirSync(join(dir, sub));
    await craftPackage(join(dir, 'overlays/web.zip'), { baseVmId: 'ab'.repeat(32), diskSize: 4096, memorySize: 4096, blobs: [] });
    const found = await problems(dir, 'testbed.yml');
    assert.equal(found.length, 3, found.join('\n'));
    assert.match(found[0]!, /^14:16 steps\[0\]\.base\.archive: no such local file/);
    assert.match(found[1]!, /^19:13 steps\[1\]\.vm\.base: .*web\.zip was made from base abab.*, not 0{64}/);
    assert.match(found[2]!, /^21:15 steps\[1\]\.vm\.sha256: .*web\.zip has SHA-256 [0-9a-f]{64}, not the pinned f{64}/);
  });
});
