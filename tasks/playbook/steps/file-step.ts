// `file: { path, content | template | src, mode, owner, group, secret }`: a file on the host
// with this content, mode and owner. The check compares the SHA-256, mode and owner the host
// reports (read with sudo: the file may be root's); the change writes the whole file as root.
// Under --diff a text change is shown as a unified diff, except for files marked `secret`
// and files others may not read (their content is no one else's to see in a log).
import { createHash } from 'node:crypto';
import { access, readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { z } from 'zod';
import { sh } from '../../command/command.js';
import { expandTemplate } from '../../cloudlet/name-template.js';
import { defineStep, type Plan } from '../../install/step.js';
import type { StepEnv, StepKind } from '../step-kind.js';
import { unifiedDiff } from '../unified-diff.js';

/** The largest current file read back for a --diff. */
const DIFF_MAX_BYTES = 256 * 1024;

const schema = z
  .strictObject({
    path: z.string().regex(/^\//, 'must be an absolute path').describe('where the file goes on the host'),
    content: z.string().optional().describe('the text of the file ({host}, {index} and variables filled in)'),
    template: z.string().min(1).optional().describe('a local text file, relative to the playbook, whose {fields} are filled in per host'),
    src: z.string().min(1).optional().describe('a local file, relative to the playbook, copied byte for byte'),
    mode: z.string().regex(/^[0-7]{3,4}$/, 'must be an octal mode such as "0644"').default('0644').describe('octal mode, as a string'),
    owner: z.string().min(1).default('root'),
    group: z.string().min(1).optional().describe("default: the owner's login group"),
    secret: z.boolean().default(false).describe('never show the content (no --diff)'),
  })
  .refine((args) => [args.content, args.template, args.src].filter((value) => value !== undefined).length === 1, {
    message: 'give exactly one of content, template or src',
  });

export type FileArgs = z.output<typeof schema>;

interface FileFacts {
  readonly wanted: Uint8Array;
  readonly wantedSha256: string;
  readonly group: string;
  readonly current: { readonly kind: 'absent' } | { readonly kind: 'directory' } | { readonly kind: 'file'; readonly mode: number; readonly owner: string; readonly group: string; readonly sha256: string };
  /** The current content, read only for --diff. */
  readonly before?: Uint8Array;
}

async function wantedContent(args: FileArgs, env: StepEnv): Promise<Uint8Array> {
  if (args.content !== undefined) return Buffer.from(args.content);
  if (args.src !== undefined) return readFile(resolve(env.baseDir, args.src));
  const file = resolve(env.baseDir, args.template!);
  return Buffer.from(expandTemplate(await readFile(file, 'utf8'), env.fields ?? {}, `template ${file}`));
}

function shown(args: FileArgs, facts: FileFacts): readonly string[] {
  if (args.secret) return ['(content not shown: the file is secret)'];
  const mode = Number.parseInt(args.mode, 8);
  if ((mode & 0o004) === 0 || (facts.current.kind === 'file' && (facts.current.mode & 0o004) === 0)) return ['(content not shown: others may not read the file)'];
  const before = facts.before ?? new Uint8Array();
  const text = (bytes: Uint8Array): string | undefined => {
    const decoded = Buffer.from(bytes).toString('utf8');
    return decoded.includes('\0') || !Buffer.from(decoded).equals(Buffer.from(bytes)) ? undefined : decoded;
  };
  const [old, now] = [text(before), text(facts.wanted)];
  if (facts.current.kind === 'file' && facts.before === undefined) return [`(content not shown: the file is larger than ${DIFF_MAX_BYTES} bytes)`];
  if (old === undefined || now === undefined) return [`(binary content: ${facts.current.kind === 'file' ? facts.current.sha256.slice(0, 12) : 'none'} -> ${facts.wantedSha256.slice(0, 12)})`];
  return unifiedDiff(old, now, args.path);
}

/** The plan for one file: pure, from what the host has and what is wanted. */
export function planFile(args: FileArgs, facts: FileFacts, diff: boolean): Plan {
  const { current } = facts;
  const mode = Number.parseInt(args.mode, 8);
  const owner = `${args.owner}:${facts.group}`;
  if (current.kind === 'directory') throw new Error(`${args.path} is a directory on the host, not a file`);
  const action = { kind: 'file' as const, path: args.path, content: facts.wanted, mode: args.mode, owner: args.owner, group: facts.group };
  const details = diff && (current.kind === 'absent' || current.sha256 !== facts.wantedSha256) ? { details: shown(args, facts) } : {};
  if (current.kind === 'absent') return { kind: 'change', actions: [{ ...action, description: `create ${args.path} (${args.mode} ${owner})` }], ...details };
  const wrong = [
    ...(current.sha256 !== facts.wantedSha256 ? ['content'] : []),
    ...(current.mode !== mode ? [`mode ${current.mode.toString(8).padStart(4, '0')} -> ${args.mode}`] : []),
    ...(`${current.owner}:${current.group}` !== owner ? [`owner ${current.owner}:${current.group} -> ${owner}`] : []),
  ];
  if (wrong.length === 0) return { kind: 'unchanged', reason: `${args.path}: content, mode ${args.mode} and owner ${owner} as wanted` };
  return { kind: 'change', actions: [{ ...action, description: `update ${args.path}: ${wrong.join(', ')}` }], ...details };
}

export const fileKind: StepKind<FileArgs> = {
  key: 'file',
  help: 'a file on the host with this content (content, template or src), mode and owner',
  schema,
  async validate(args, env) {
    const local = (['template', 'src'] as const).filter((key) => args[key] !== undefined);
    const problems = await Promise.all(
      local.map(async (key) => {
        const file = resolve(env.baseDir, args[key]!);
        return access(file).then(
          () => [],
          () => [{ path: [key], message: `no such local file: ${file}` }],
        );
      }),
    );
    return problems.flat();
  },
  step(args, env) {
    return defineStep<FileFacts>({
      name: 'file',
      title: `file ${args.path}`,
      async gather(ctx) {
        const wanted = await wantedContent(args, env);
        const wantedSha256 = createHash('sha256').update(wanted).digest('hex');
        const probe = sh`f=${args.path}; id -gn -- ${args.owner} || exit 3; if [ -d "$f" ]; then echo directory; elif [ -e "$f" ]; then stat -c '%a %U %G %s' -- "$f" && sha256sum -- "$f"; else echo absent; fi`;
        const result = await ctx.sudo(probe, { check: false, quiet: true });
        if (result.exitCode === 3) throw new Error(`owner '${args.owner}' is no user on the host`);
        if (result.exitCode !== 0) throw new Error(`cannot read ${args.path}: ${result.stderr.trim() || `exit code ${result.exitCode}`}`);
        const [group = '', stat = '', sum = ''] = result.stdout.trim().split('\n');
        const wantedGroup = args.group ?? group.trim();
        if (stat === 'absent' || stat === 'directory') return { wanted, wantedSha256, group: wantedGroup, current: stat === 'absent' ? { kind: 'absent' } : { kind: 'directory' } };
        const [mode = '', owner = '', fileGroup = '', size = '0'] = stat.split(' ');
        const current = { kind: 'file' as const, mode: Number.parseInt(mode, 8), owner, group: fileGroup, sha256: sum.split(' ')[0] ?? '' };
        const readBack = env.diff && !args.secret && (Number.parseInt(args.mode, 8) & 0o004) !== 0 && current.sha256 !== wantedSha256 && Number(size) <= DIFF_MAX_BYTES;
        const before = readBack ? Buffer.from((await ctx.sudo(sh`base64 -w0 -- ${args.path}`, { quiet: true })).stdout.trim(), 'base64') : undefined;
        return { wanted, wantedSha256, group: wantedGroup, current, ...(before ? { before } : {}) };
      },
      plan: (facts) => planFile(args, facts, env.diff),
    });
  },
};
