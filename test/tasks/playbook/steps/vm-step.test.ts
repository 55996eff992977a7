// The `vm` step's plan from facts alone and its operator-side checks; then the `base` and `vm`
// steps applied for real (applySteps, as a playbook runs them) on one cloudlet host of the lab: the
// SDK deployed by the real install, libvirtd inside the host, the cached base archive and overlay.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { Masker } from '../../../../tasks/command/masker.js';
import { fileSha256 } from '../../../../tasks/cloudlet/file-digest.js';
import type { RemoteVm } from '../../../../tasks/cloudlet/remote-cloudlet.js';
import { applySteps, StepError } from '../../../../tasks/install/apply-steps.js';
import { HostContext } from '../../../../tasks/task/task-context.js';
import { baseKind } from '../../../../tasks/playbook/steps/base-step.js';
import { OverlayDigestMismatchError, VmNotRunningError, VmOverlayDiffersError } from '../../../../tasks/playbook/steps/cloudlet-step-errors.js';
import { planVm, vmKind, type ResolvedVmArgs } from '../../../../tasks/playbook/steps/vm-step.js';
import type { StepEnv } from '../../../../tasks/playbook/step-kind.js';
import { VmNameError } from '../../../../sdk/vms/errors.js';
import { deployCloudlet, lastCounters, remotePair, startLab, startLibvirtd, type Lab, type RemotePair } from '../../../fixtures/hosts/index.js';
import { labContext, type LabContext } from '../../../fixtures/lab-context.js';

const SHA = 'c'.repeat(64);
const OTHER = 'd'.repeat(64);
const FILE = '/ops/overlays/web.zip';
const URL_OVERLAY = 'https://example.org/web.zip';

function vm(fields: { state?: string; overlay?: string; overlaySha256?: string } = {}): RemoteVm {
  const { state = 'running', ...origin } = fields;
  return { name: 'web-c1', id: '0123456789ab', uuid: '6f0c1f3e-0000-4000-8000-000000000001', state, createdAt: '2026-12-01T00:00:00Z', origin: { base: 'e'.repeat(64), ...origin }, files: { console: '/c.log' }, forwards: [] };
}
const args = (given: Record<string, unknown>): ResolvedVmArgs => {
  const parsed = vmKind.schema.parse({ name: 'web-c1', ...given });
  return parsed.overlay === undefined ? parsed : { ...parsed, source: parsed.overlay };
};
const running = (given: Record<string, unknown> = {}) => args({ base: 'tiny', overlay: FILE, ...given });
const descriptions = (plan: ReturnType<typeof planVm>) => (plan.kind === 'change' ? plan.actions.map((a) => a.description) : plan.kind);

describe('vm step: the plan from facts', () => {
  it('running: synthesizes a missing VM; leaves one from the same overlay (by SHA-256) alone', () => {
    assert.deepEqual(descriptions(planVm(running(), { overlaySha256: SHA })), ['synthesize VM web-c1 from web.zip on base tiny']);
    assert.deepEqual(planVm(running(), { vm: vm({ overlay: '/elsewhere.zip', overlaySha256: SHA }), overlaySha256: SHA }), { kind: 'unchanged', reason: `VM web-c1 (0123456789ab) runs, made from overlay ${SHA.slice(0, 12)}` });
    assert.equal(planVm(running(), { vm: vm({ state: 'blocked', overlaySha256: SHA }), overlaySha256: SHA }).kind, 'unchanged');
  });

  it('another overlay, or one whose SHA-256 was never recorded: VmOverlayDiffersError, or destroy + synthesize with replace', () => {
    for (const recorded of [vm({ overlay: FILE, overlaySha256: OTHER }), vm({ overlay: FILE })]) {
      assert.throws(() => planVm(running(), { vm: recorded, overlaySha256: SHA }), (error: unknown) => {
        assert.ok(error instanceof VmOverlayDiffersError);
        assert.deepEqual([error.vmName, error.recorded.sha256, error.wanted], ['web-c1', recorded.origin.overlaySha256, { overlay: FILE, sha256: SHA }]);
        assert.match(error.message, /set replace: true/);
        return true;
      });
      const replaced = planVm(running({ replace: true }), { vm: recorded, overlaySha256: SHA });
      assert.deepEqual(descriptions(replaced), ['destroy VM web-c1 (0123456789ab, running)', 'synthesize VM web-c1 from web.zip on base tiny']);
    }
  });

  it('a URL: compared by the pinned sha256, else by the recorded URL', () => {
    const url = { overlay: URL_OVERLAY };
    assert.equal(planVm(running(url), { vm: vm({ overlay: URL_OVERLAY, overlaySha256: OTHER }) }).kind, 'unchanged');
    assert.throws(() => planVm(running(url), { vm: vm({ overlay: 'https://example.org/old.zip', overlaySha256: OTHER }) }), VmOverlayDiffersError);
    assert.equal(planVm(running({ ...url, sha256: OTHER }), { vm: vm({ overlay: 'https://mirror.example/web.zip', overlaySha256: OTHER }) }).kind, 'unchanged');
    assert.throws(() => planVm(running({ ...url, sha256: SHA }), { vm: vm({ overlay: URL_OVERLAY, overlaySha256: OTHER }) }), VmOverlayDiffersError);
  });

  it('a local overlay that no longer has the pinned SHA-256: OverlayDigestMismatchError before anything changes', () => {
    assert.throws(() => planVm(running({ sha256: OTHER }), { overlaySha256: SHA }), OverlayDigestMismatchError);
  });

  it('a VM that does not run: VmNotRunningError saying what to do; replaced with replace: true, unless libvirtd is unreachable', () => {
    for (const state of ['paused', 'shut-off', 'gone', 'unknown']) {
      assert.throws(() => planVm(running(), { vm: vm({ state, overlaySha256: SHA }), overlaySha256: SHA }), (error: unknown) => error instanceof VmNotRunningError && error.state === state, state);
    }
    assert.match(new VmNotRunningError('a', 'b', 'u-u-i-d', 'paused').message, /virsh -c qemu:\/\/\/system resume u-u-i-d/);
    assert.match(new VmNotRunningError('a', 'b', 'u', 'gone').message, /cannot be started again/);
    assert.deepEqual(descriptions(planVm(running({ replace: true }), { vm: vm({ state: 'gone', overlaySha256: SHA }), overlaySha256: SHA })), ['destroy VM web-c1 (0123456789ab, gone)', 'synthesize VM web-c1 from web.zip on base tiny']);
    assert.throws(() => planVm(running({ replace: true }), { vm: vm({ state: 'unknown', overlaySha256: SHA }), overlaySha256: SHA }), VmNotRunningError);
  });

  it('absent: destroys the VM by its ID, unchanged when there is none; a name virsh misreads is refused', () => {
    assert.deepEqual(descriptions(planVm(args({ state: 'absent' }), { vm: vm({ state: 'gone' }) })), ['destroy VM web-c1 (0123456789ab, gone)']);
    assert.deepEqual(planVm(args({ state: 'absent' }), {}), { kind: 'unchanged', reason: 'no VM web-c1 on the host' });
    assert.throws(() => planVm(args({ name: '42', state: 'absent' }), {}), VmNameError);
  });

  it('schema: running needs base and overlay; unknown keys and short digests are refused', () => {
    const problems = (given: Record<string, unknown>) => {
      const parsed = vmKind.schema.safeParse(given);
      return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    };
    assert.deepEqual(problems({ name: 'a' }), ['base: a running VM needs base', 'overlay: a running VM needs overlay']);
    assert.deepEqual(problems({ name: 'a', state: 'absent' }), []);
    assert.match(problems({ name: 'a', base: 'b', overlay: 'o', replaces: true }).join('\n'), /replaces/);
    assert.match(problems({ name: 'a', base: 'b', overlay: 'o', sha256: 'abc' }).join('\n'), /^sha256: a SHA-256 is 64 lowercase hex digits/m);
  });
});

describe('vm step: validate on the operator side, with a real overlay', () => {
  let pair: RemotePair;
  let env: StepEnv;
  before(async () => {
    pair = await remotePair();
    env = { baseDir: dirname(pair.overlay), diff: false };
  });
  const check = (given: Record<string, unknown>) => vmKind.validate!(vmKind.schema.parse({ name: 'web-{host}', ...given }), env);

  it('accepts the overlay relative to the playbook, for its own base and SHA-256; a URL is not fetched', async () => {
    assert.deepEqual(await check({ base: pair.baseId, overlay: 'overlay.zip', sha256: await fileSha256(pair.overlay) }), []);
    assert.deepEqual(await check({ base: 'tiny', overlay: 'https://example.invalid/x.zip' }), []);
  });

  it('reports a missing overlay, another base, and another pinned SHA-256 at their keys', async () => {
    const [missing] = await check({ base: 'tiny', overlay: 'nope.zip' });
    assert.deepEqual(missing?.path, ['overlay']);
    assert.match(missing!.message, /^no such local file: .*nope\.zip$/);
    const found = await check({ base: OTHER, overlay: 'overlay.zip', sha256: SHA });
    assert.deepEqual(found.map((p) => p.path), [['base'], ['sha256']]);
    assert.match(found[0]!.message, new RegExp(`was made from base ${pair.baseId}, not ${OTHER}`));
    assert.match(found[1]!.message, new RegExp(`not the pinned ${SHA}`));
  });
});

describe('base and vm steps on a real cloudlet host', () => {
  let lab: Lab;
  let pair: RemotePair;
  let host: LabContext;
  let dryRun: HostContext<Record<string, never>>;
  let env: StepEnv;
  let scratch: string;
  const base = () => baseKind.step(baseKind.schema.parse({ archive: 'base.zip', id: pair.baseId }), env);
  const vmStep = (given: Record<string, unknown>) => vmKind.step(vmKind.schema.parse({ name: 'web-c1', ...given }), env);
  const present = () => vmStep({ base: pair.baseId.slice(0, 12), overlay: 'overlay.zip' });
  const statuses = async (ctx: HostContext<Record<string, never>>, steps: Parameters<typeof applySteps>[1]) => (await applySteps(ctx, steps, undefined)).map((r) => [r.status, r.detail]);

  before(async () => {
    [pair, lab] = await Promise.all([remotePair(), startLab([{ name: 'c1', cloudlet: true }])]);
    await deployCloudlet(lab);
    await startLibvirtd(lab.host('c1'));
    host = await labContext(lab, 'c1');
    dryRun = new HostContext(host.connection, {}, [], { dryRun: true, masker: new Masker(), emit: () => undefined });
    // The pair's directory stands for the playbook's: archive and overlay are relative to it.
    env = { baseDir: dirname(pair.overlay), diff: false };
    scratch = await mkdtemp(join(tmpdir(), 'vm-step-'));
  });
  after(async () => {
    await host?.connection.close();
    await lab?.stop();
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('base: --check changes nothing; then pushed (changed), then unchanged', async () => {
    const short = pair.baseId.slice(0, 12);
    assert.deepEqual(await statuses(dryRun, [base()]), [['would-change', `push base ${short} (tiny, ${(statSync(pair.baseArchive).size / 1e6).toFixed(1)} MB)`]]);
    assert.deepEqual(await host.ctx.cloudlet.bases(), []);
    assert.deepEqual((await statuses(host.ctx, [base()]))[0]?.[0], 'changed');
    assert.deepEqual((await host.ctx.cloudlet.bases()).map((b) => b.id), [pair.baseId]);
    assert.deepEqual(await statuses(host.ctx, [base()]), [['unchanged', `base ${short} (tiny) is on the host`]]);
  });

  it('vm: synthesized and resumed (changed), its overlay SHA-256 recorded; then unchanged; --check of absent changes nothing', async () => {
    assert.deepEqual((await statuses(dryRun, [present()]))[0]?.[0], 'would-change');
    assert.deepEqual(await host.ctx.cloudlet.vms(), []);
    assert.deepEqual(await statuses(host.ctx, [present()]), [['changed', `synthesize VM web-c1 from overlay.zip on base ${pair.baseId.slice(0, 12)}`]]);
    const [made] = await host.ctx.cloudlet.vms();
    assert.deepEqual([made?.name, made?.state, made?.origin.overlaySha256], ['web-c1', 'running', await fileSha256(pair.overlay)]);
    // Resumed, not booted: the counter that lived only in the customized VM's RAM goes on.
    let log = '';
    for (let waited = 0; waited < 30_000 && !(lastCounters(log).custom > pair.savedCustom); waited += 250) {
      await sleep(250);
      log = await readFile(join(lab.host('c1').rootDir, made!.files.console), 'latin1').catch(() => '');
    }
    assert.ok(lastCounters(log).custom > pair.savedCustom, `CUSTOM went on from ${pair.savedCustom}:\n${log.slice(-500)}`);

    assert.deepEqual(await statuses(host.ctx, [present()]), [['unchanged', `VM web-c1 (${made!.id}) runs, made from overlay ${made!.origin.overlaySha256!.slice(0, 12)}`]]);
    assert.deepEqual(await statuses(dryRun, [vmStep({ state: 'absent' })]), [['would-change', `destroy VM web-c1 (${made!.id}, running)`]]);
    assert.deepEqual((await host.ctx.cloudlet.vms()).map((v) => [v.id, v.state]), [[made!.id, 'running']]);
  });

  it('vm from another overlay without replace: the step fails with VmOverlayDiffersError and the VM stays', async () => {
    // Only its SHA-256 differs from the one the VM was made from: the plan refuses before it is opened.
    await writeFile(join(scratch, 'other.zip'), 'another overlay');
    const other = vmKind.step(vmKind.schema.parse({ name: 'web-c1', base: pair.baseId, overlay: 'other.zip' }), { baseDir: scratch, diff: false });
    await assert.rejects(applySteps(host.ctx, [other], undefined), (error: unknown) => {
      assert.ok(error instanceof StepError, String(error));
      assert.equal(error.step, 'vm');
      assert.ok(error.cause instanceof VmOverlayDiffersError);
      assert.match(error.reason, /^VM web-c1 \([0-9a-f]{12}\) was synthesized from overlay [0-9a-f]{12} \(.*\), not from [0-9a-f]{12} \(.*other\.zip\); set replace: true/);
      return true;
    });
    assert.deepEqual((await host.ctx.cloudlet.vms()).map((v) => v.state), ['running']);
  });

  it('state: absent destroys the VM, then unchanged; the base goes the same way', async () => {
    assert.deepEqual((await statuses(host.ctx, [vmStep({ state: 'absent' })]))[0]?.[0], 'changed');
    assert.deepEqual(await host.ctx.cloudlet.vms(), []);
    assert.deepEqual(await statuses(host.ctx, [vmStep({ state: 'absent' })]), [['unchanged', 'no VM web-c1 on the host']]);
    const gone = baseKind.step(baseKind.schema.parse({ id: pair.baseId, state: 'absent' }), env);
    assert.deepEqual((await statuses(host.ctx, [gone]))[0]?.[0], 'changed');
    assert.deepEqual(await host.ctx.cloudlet.bases(), []);
    assert.deepEqual(await statuses(host.ctx, [gone]), [['unchanged', `no base ${pair.baseId.slice(0, 12)} on the host`]]);
  });
});
