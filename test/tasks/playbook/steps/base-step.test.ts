// The `base` step's plan from facts alone, its schema, and its operator-side checks on a real
// base archive (the cached pair of the remote tests). On real hosts: vm-step.test.ts.
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { BaseArchive } from '../../../../tasks/cloudlet/base-source.js';
import type { RemoteBase } from '../../../../tasks/cloudlet/remote-cloudlet.js';
import { baseKind, planBase, type BaseArgs } from '../../../../tasks/playbook/steps/base-step.js';
import { BaseIdMismatchError } from '../../../../tasks/playbook/steps/cloudlet-step-errors.js';
import { remotePair, type RemotePair } from '../../../fixtures/hosts/index.js';

const ID = 'a'.repeat(64);
const OTHER = 'b'.repeat(64);
const archive: BaseArchive = { path: '/ops/bases/tiny.zip', id: ID, name: 'tiny', size: 60e6 };
const hostBase = (id: string, name = 'tiny'): RemoteBase => ({ id, name, createdAt: '2026-12-01T00:00:00Z', diskSize: 1 << 30, hardware: { memoryMiB: 256, vcpus: 1 } });
const args = (given: Record<string, unknown>): BaseArgs => baseKind.schema.parse(given);

describe('base step: the plan from facts', () => {
  it('present: unchanged when the host lists the archive ID, else one push of that archive', () => {
    const present = planBase(args({ archive: 'tiny.zip' }), { bases: [hostBase(OTHER, 'other'), hostBase(ID)], archive });
    assert.deepEqual(present, { kind: 'unchanged', reason: `base ${ID.slice(0, 12)} (tiny) is on the host` });
    const missing = planBase(args({ archive: 'tiny.zip', id: ID }), { bases: [hostBase(OTHER, 'tiny')], archive });
    assert.equal(missing.kind, 'change');
    assert.deepEqual(missing.kind === 'change' && missing.actions.map((a) => [a.kind, a.description]), [['call', `push base ${ID.slice(0, 12)} (tiny, 60.0 MB)`]]);
  });

  it('present with a pinned id that the archive does not hold: BaseIdMismatchError with both IDs', () => {
    assert.throws(() => planBase(args({ archive: 'tiny.zip', id: OTHER }), { bases: [], archive }), (error: unknown) => {
      assert.ok(error instanceof BaseIdMismatchError);
      assert.deepEqual([error.expected, error.actual, error.category], [OTHER, ID, 'usage']);
      return true;
    });
  });

  it('absent: deletes every host base the id, archive or name matches; unchanged when none does', () => {
    const bases = [hostBase(ID), hostBase(OTHER, 'other')];
    const byId = planBase(args({ id: OTHER, state: 'absent' }), { bases });
    assert.deepEqual(byId.kind === 'change' && byId.actions.map((a) => a.description), [`delete base ${OTHER.slice(0, 12)} (other)`]);
    const byArchive = planBase(args({ archive: 'tiny.zip', state: 'absent' }), { bases, archive });
    assert.deepEqual(byArchive.kind === 'change' && byArchive.actions.map((a) => a.description), [`delete base ${ID.slice(0, 12)} (tiny)`]);
    const byName = planBase(args({ name: 'other', state: 'absent' }), { bases });
    assert.deepEqual(byName.kind === 'change' && byName.actions.map((a) => a.description), [`delete base ${OTHER.slice(0, 12)} (other)`]);
    assert.deepEqual(planBase(args({ id: ID, state: 'absent' }), { bases: [hostBase(OTHER)] }), { kind: 'unchanged', reason: `no base ${ID.slice(0, 12)} on the host` });
    assert.deepEqual(planBase(args({ name: 'gone', state: 'absent' }), { bases }), { kind: 'unchanged', reason: 'no base named gone on the host' });
  });
});

describe('base step: schema', () => {
  const problems = (given: Record<string, unknown>) => {
    const parsed = baseKind.schema.safeParse(given);
    return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  };

  it('defaults state to present and refuses unknown keys, short ids, and a base it cannot name', () => {
    assert.deepEqual(args({ archive: 'a.zip' }), { archive: 'a.zip', state: 'present' });
    assert.match(problems({ archive: 'a.zip', ids: ID }).join('\n'), /ids/);
    assert.match(problems({ archive: 'a.zip', id: 'abc' }).join('\n'), /^id: a base ID is 64 lowercase hex digits/m);
    assert.deepEqual(problems({}), ['archive: a present base needs archive (or name: a base of your own registry)']);
    assert.deepEqual(problems({ state: 'absent' }), ['id: say which base to remove: id, archive or name']);
    assert.deepEqual(problems({ archive: 'a.zip', name: 'tiny' }), ['name: give archive or name, not both']);
    assert.match(problems({ archive: 'a.zip', state: 'gone' }).join('\n'), /^state: /m);
  });
});

describe('base step: validate on the operator side, with a real archive', () => {
  let pair: RemotePair;
  let dir: string;
  before(async () => {
    pair = await remotePair();
    dir = await mkdtemp(join(tmpdir(), 'base-step-'));
    await copyFile(pair.baseArchive, join(dir, 'tiny.zip'));
    await writeFile(join(dir, 'junk.zip'), 'not a zip');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('accepts the archive relative to the playbook, pinned to its own ID', async () => {
    assert.deepEqual(await baseKind.validate!(args({ archive: 'tiny.zip', id: pair.baseId }), { baseDir: dir, diff: false }), []);
    assert.deepEqual(await baseKind.validate!(args({ archive: join(dirname(pair.baseArchive), 'base.zip') }), { baseDir: dir, diff: false }), []);
  });

  it('reports a missing or unreadable archive at archive, and another pinned ID at id', async () => {
    const [missing] = await baseKind.validate!(args({ archive: 'nope.zip' }), { baseDir: dir, diff: false });
    assert.deepEqual(missing?.path, ['archive']);
    assert.equal(missing!.message, `no such local file: ${join(dir, 'nope.zip')}`);
    const [junk] = await baseKind.validate!(args({ archive: 'junk.zip' }), { baseDir: dir, diff: false });
    assert.deepEqual(junk?.path, ['archive']);
    assert.match(junk!.message, new RegExp(`^${join(dir, 'junk.zip')}: not a readable base archive \\(`));
    const [pinned] = await baseKind.validate!(args({ archive: 'tiny.zip', id: OTHER }), { baseDir: dir, diff: false });
    assert.deepEqual(pinned?.path, ['id']);
    assert.match(pinned!.message, new RegExp(`holds base ${pair.baseId}, not the pinned ${OTHER}`));
  });
});
