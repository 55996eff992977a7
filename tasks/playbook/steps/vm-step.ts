// The playbook's `vm` step: a synthesized VM of that name as desired state. The host's VM record
// keeps the SHA-256 of the overlay it was made from (`cloudlet list --json`, origin.overlaySha256):
// a VM from the same overlay is left alone, one from another overlay is replaced only with
// `replace: true`, and `state: absent` destroys it. A URL overlay is compared by the `sha256` the
// playbook pins, else by its recorded URL.
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import { domainNameProblem } from '../../../sdk/vm/domain-xml.js';
import { VmNameError } from '../../../sdk/vms/errors.js';
import { fileSha256 } from '../../cloudlet/file-digest.js';
import type { RemoteVm } from '../../cloudlet/remote-cloudlet.js';
import { isUrl, overlayBaseId } from '../../cloudlet/synthesize.js';
import { defineStep, type Action, type Plan, type Step } from '../../install/step.js';
import type { ArgProblem, StepEnv, StepKind } from '../step-kind.js';
import { OverlayDigestMismatchError, VmNotRunningError, VmOverlayDiffersError } from './cloudlet-step-errors.js';

const SHA256 = /^[0-9a-f]{64}$/;
/** libvirt's states of a domain whose guest runs. */
const RUNNING = new Set(['running', 'blocked']);

const schema = z
  .object({
    name: z.string().min(1).describe('The VM\'s name on the host; may use {host} and {index} ("web-{host}").'),
    base: z.string().min(1).optional().describe("The host's base to synthesize from: its ID, an ID prefix or its name. Needed with state: running."),
    overlay: z.string().min(1).optional().describe('The overlay package (path relative to the playbook file, uploaded once per host and kept) or an http(s):// URL each host fetches. Needed with state: running.'),
    sha256: z.string().regex(SHA256, 'a SHA-256 is 64 lowercase hex digits').optional().describe("The overlay's SHA-256: pins a file (checked before any host is touched); for a URL, the digest the VM must have been made from (without it a URL VM is compared by its URL)."),
    state: z.enum(['running', 'absent']).default('running').describe('running (default): the VM exists, made from this overlay, and runs. absent: destroyed if it exists.'),
    replace: z.boolean().default(false).describe('Destroy and synthesize anew a VM of that name made from another overlay, or one that no longer runs; without it the step fails and says why.'),
  })
  .strict()
  .superRefine((args, ctx) => {
    if (args.state !== 'running') return;
    for (const key of ['base', 'overlay'] as const) if (args[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `a running VM needs ${key}` });
  });

export type VmArgs = z.output<typeof schema>;

/** What the vm step reads: the host's VM of that name, and the SHA-256 of a local overlay file. */
export interface VmFacts {
  readonly vm?: RemoteVm;
  readonly overlaySha256?: string;
}

/** The step's arguments with the overlay's path resolved against the playbook's directory. */
export interface ResolvedVmArgs extends VmArgs {
  /** The overlay file's absolute path, or the URL. */
  readonly source?: string;
}

/** The plan from facts alone (see the file comment); throws VmOverlayDiffersError / VmNotRunningError when it must not change the VM. */
export function planVm(args: ResolvedVmArgs, facts: VmFacts): Plan {
  const { vm } = facts;
  const problem = domainNameProblem(args.name);
  if (problem !== undefined) throw new VmNameError(args.name, problem);
  if (args.state === 'absent') {
    if (!vm) return { kind: 'unchanged', reason: `no VM ${args.name} on the host` };
    return { kind: 'change', actions: [destroy(vm)] };
  }
  const source = args.source!;
  const url = isUrl(source);
  const sha256 = url ? args.sha256 : facts.overlaySha256;
  if (!url && args.sha256 !== undefined && sha256 !== args.sha256) throw new OverlayDigestMismatchError(source, args.sha256, sha256 ?? '?');
  const create: Action = {
    kind: 'call',
    description: `synthesize VM ${args.name} from ${url ? source : basename(source)} on base ${args.base!.slice(0, 12)}`,
    run: async (ctx) => void (await ctx.cloudlet.synthesize(args.base!, source, { name: args.name })),
  };
  if (!vm) return { kind: 'change', actions: [create] };
  const same = sha256 !== undefined ? vm.origin.overlaySha256 === sha256 : vm.origin.overlay === source;
  if (!same) {
    const recorded = { ...(vm.origin.overlay ? { overlay: vm.origin.overlay } : {}), ...(vm.origin.overlaySha256 ? { sha256: vm.origin.overlaySha256 } : {}) };
    const error = new VmOverlayDiffersError(vm.name, vm.id, recorded, { overlay: source, ...(sha256 ? { sha256 } : {}) });
    if (!args.replace) throw error;
    return { kind: 'change', actions: [destroy(vm), create], notes: [`replaced: ${error.message.split(';')[0]!}`] };
  }
  const made = sha256 !== undefined ? `overlay ${sha256.slice(0, 12)}` : source;
  if (RUNNING.has(vm.state)) return { kind: 'unchanged', reason: `VM ${vm.name} (${vm.id}) runs, made from ${made}` };
  if (!args.replace || vm.state === 'unknown') throw new VmNotRunningError(vm.name, vm.id, vm.uuid, vm.state);
  return { kind: 'change', actions: [destroy(vm), create], notes: [`replaced: VM ${vm.name} was ${vm.state}`] };
}

function destroy(vm: RemoteVm): Action {
  // By ID: a name is what the playbook gives, the ID is the VM the facts saw.
  return { kind: 'call', description: `destroy VM ${vm.name} (${vm.id}, ${vm.state})`, run: async (ctx) => void (await ctx.cloudlet.destroy(vm.id)) };
}

function resolveArgs(args: VmArgs, env: StepEnv): ResolvedVmArgs {
  if (args.overlay === undefined) return args;
  return { ...args, source: isUrl(args.overlay) ? args.overlay : resolve(env.baseDir, args.overlay) };
}

async function validate(args: VmArgs, env: StepEnv): Promise<ArgProblem[]> {
  const { source } = resolveArgs(args, env);
  if (source === undefined || isUrl(source)) return [];
  let baseId: string;
  try {
    baseId = await overlayBaseId(source);
  } catch (error) {
    return [{ path: ['overlay'], message: `${source}: not a readable overlay package (${(error as Error).message})` }];
  }
  const problems: ArgProblem[] = [];
  if (args.base !== undefined && SHA256.test(args.base) && args.base !== baseId) {
    problems.push({ path: ['base'], message: `${source} was made from base ${baseId}, not ${args.base}` });
  }
  if (args.sha256 !== undefined) {
    const actual = await fileSha256(source);
    if (actual !== args.sha256) problems.push({ path: ['sha256'], message: new OverlayDigestMismatchError(source, args.sha256, actual).message });
  }
  return problems;
}

function step(args: VmArgs, env: StepEnv): Step<unknown, void> {
  const resolved = resolveArgs(args, env);
  return defineStep<VmFacts>({
    name: 'vm',
    title: args.state === 'absent' ? `VM ${args.name} absent` : `VM ${args.name}`,
    gather: async (ctx) => {
      const local = resolved.state === 'running' && !isUrl(resolved.source!);
      const [vms, overlaySha256] = await Promise.all([ctx.cloudlet.vms(), local ? fileSha256(resolved.source!) : undefined]);
      const vm = vms.find((candidate) => candidate.name === args.name);
      return { ...(vm ? { vm } : {}), ...(overlaySha256 ? { overlaySha256 } : {}) };
    },
    plan: (facts) => planVm(resolved, facts),
  }) as Step<unknown, void>;
}

/** `vm: { name, base, overlay: PATH|URL, state: running|absent, replace: bool, sha256 }`. */
export const vmKind = {
  key: 'vm',
  help: 'a synthesized VM as desired state: made from this overlay and running, replaced only with replace: true, or absent',
  schema,
  validate,
  step,
} satisfies StepKind<VmArgs>;
