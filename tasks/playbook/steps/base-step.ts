// The playbook's `base` step: a base VM present on (or absent from) every host. Present means the
// host lists the base's ID (`cloudlet list-base`); otherwise the archive is pushed, resumably
// (push-base). An `id` pins the archive: a playbook run with another archive in its place fails
// before anything is sent, which makes a testbed reproducible.
import { basename, resolve } from 'node:path';
import { z } from 'zod';
import type { BaseArchive } from '../../cloudlet/base-source.js';
import type { RemoteBase } from '../../cloudlet/remote-cloudlet.js';
import { defineStep, type Plan, type Step } from '../../install/step.js';
import type { ArgProblem, StepEnv, StepKind } from '../step-kind.js';
import { BaseIdMismatchError } from './cloudlet-step-errors.js';

const SHA256 = /^[0-9a-f]{64}$/;

const schema = z
  .object({
    archive: z.string().min(1).optional().describe('A base archive made by `cloudlet export-base` (path relative to the playbook file).'),
    name: z.string().min(1).optional().describe("Instead of `archive`: a base of the operator's own registry (~/.cloudlet; its ID, an ID prefix or its name), exported once and pushed. With state: absent, a base of that name or ID prefix on the host."),
    id: z.string().regex(SHA256, 'a base ID is 64 lowercase hex digits (its SHA-256)').optional().describe("The base ID (64 hex digits) the archive must hold: pins the base, checked before any host is touched. With state: absent, the base to remove."),
    state: z.enum(['present', 'absent']).default('present').describe('present (default): the base is on every host, pushed where missing. absent: removed from every host (del-base).'),
  })
  .strict()
  .superRefine((args, ctx) => {
    if (args.archive !== undefined && args.name !== undefined) ctx.addIssue({ code: 'custom', path: ['name'], message: 'give archive or name, not both' });
    if (args.state === 'present' && args.archive === undefined && args.name === undefined) ctx.addIssue({ code: 'custom', path: ['archive'], message: 'a present base needs archive (or name: a base of your own registry)' });
    if (args.state === 'absent' && args.archive === undefined && args.name === undefined && args.id === undefined) ctx.addIssue({ code: 'custom', path: ['id'], message: 'say which base to remove: id, archive or name' });
  });

export type BaseArgs = z.output<typeof schema>;

/** What the base step reads: the host's bases and, when the playbook names one, the archive it pushes. */
export interface BaseFacts {
  readonly bases: readonly RemoteBase[];
  readonly archive?: BaseArchive;
}

/**
 * The plan from facts alone: present when the host lists the archive's ID (else push it), absent
 * when no host base matches (else delete those that do).
 */
export function planBase(args: BaseArgs, facts: BaseFacts): Plan {
  if (args.state === 'absent') {
    const gone = facts.bases.filter((base) => matchesAbsent(args, facts.archive, base));
    if (gone.length === 0) return { kind: 'unchanged', reason: `no base ${describeWanted(args, facts.archive)} on the host` };
    return {
      kind: 'change',
      actions: gone.map((base) => ({ kind: 'call', description: `delete base ${base.id.slice(0, 12)} (${base.name})`, run: async (ctx) => void (await ctx.cloudlet.deleteBase(base.id)) })),
    };
  }
  const archive = facts.archive!;
  if (args.id !== undefined && archive.id !== args.id) throw new BaseIdMismatchError(archive.path, args.id, archive.id);
  const present = facts.bases.find((base) => base.id === archive.id);
  if (present) return { kind: 'unchanged', reason: `base ${archive.id.slice(0, 12)} (${present.name}) is on the host` };
  return {
    kind: 'change',
    actions: [{ kind: 'call', description: `push base ${archive.id.slice(0, 12)} (${archive.name}, ${megabytes(archive.size)} MB)`, run: async (ctx) => void (await ctx.cloudlet.pushBase(archive)) }],
  };
}

function matchesAbsent(args: BaseArgs, archive: BaseArchive | undefined, base: RemoteBase): boolean {
  if (args.id !== undefined) return base.id === args.id;
  if (archive !== undefined) return base.id === archive.id;
  const ref = args.name!;
  return base.name === ref || (ref.length >= 4 && base.id.startsWith(ref));
}

function describeWanted(args: BaseArgs, archive: BaseArchive | undefined): string {
  const id = args.id ?? archive?.id;
  return id !== undefined ? id.slice(0, 12) : `named ${args.name!}`;
}

function megabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

// The SDK's base code (and the host programs it runs) loads only when used, as in ctx.cloudlet:
// a CommonJS tasks file can still load the runner.
const baseSource = () => import('../../cloudlet/base-source.js');

/** The archive the step pushes (or whose ID it removes): a file beside the playbook, or a base of the operator's registry. */
async function archiveOf(args: BaseArgs, env: StepEnv): Promise<BaseArchive | undefined> {
  const { baseArchive } = await baseSource();
  if (args.archive !== undefined) return baseArchive(resolve(env.baseDir, args.archive));
  // Under state: absent a name is looked up on the host, not in the operator's registry.
  return args.state === 'present' ? baseArchive(args.name!) : undefined;
}

async function validate(args: BaseArgs, env: StepEnv): Promise<ArgProblem[]> {
  if (args.archive !== undefined) {
    const path = resolve(env.baseDir, args.archive);
    let archive: BaseArchive;
    try {
      archive = await (await baseSource()).readBaseArchive(path);
    } catch (error) {
      return [{ path: ['archive'], message: `${path}: not a readable base archive (${(error as Error).message})` }];
    }
    if (args.id !== undefined && archive.id !== args.id) return [{ path: ['id'], message: new BaseIdMismatchError(path, args.id, archive.id).message }];
    return [];
  }
  if (args.name !== undefined && args.state === 'present') {
    try {
      const { BaseRegistry } = await import('../../../sdk/base/registry.js');
      const base = await (await BaseRegistry.open()).resolve(args.name);
      if (args.id !== undefined && base.id !== args.id) return [{ path: ['id'], message: new BaseIdMismatchError(`the registry's base ${args.name}`, args.id, base.id).message }];
    } catch (error) {
      return [{ path: ['name'], message: `no base ${args.name} in your registry (${(error as Error).message})` }];
    }
  }
  return [];
}

function step(args: BaseArgs, env: StepEnv): Step<unknown, void> {
  const what = args.archive !== undefined ? basename(args.archive) : (args.name ?? args.id!.slice(0, 12));
  return defineStep<BaseFacts>({
    name: 'base',
    title: args.state === 'absent' ? `base ${what} absent` : `base ${what}`,
    gather: async (ctx) => {
      const [bases, archive] = await Promise.all([ctx.cloudlet.bases(), archiveOf(args, env)]);
      return archive ? { bases, archive } : { bases };
    },
    plan: (facts) => planBase(args, facts),
  }) as Step<unknown, void>;
}

/** `base: { archive: PATH, id: SHA256 }` (or `name:`), `state: present|absent`. */
export const baseKind = {
  key: 'base',
  help: 'a base VM on every host: pushed (resumably) where its ID is missing, or removed with state: absent',
  schema,
  validate,
  step,
} satisfies StepKind<BaseArgs>;
