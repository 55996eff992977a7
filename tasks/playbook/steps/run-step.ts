// `run: { command, sudo, creates | unless | onlyif }`: a shell command, as Ansible's command
// with its guards. A guard makes the step converge: `creates: PATH` skips it once PATH exists,
// `unless: CMD` once CMD succeeds, `onlyif: CMD` while CMD fails. Without a guard the command
// runs every time and the step is `changed`. Guards only read, so they also run under --check;
// they run as the command does (with sudo when `sudo: true`).
import { z } from 'zod';
import { sh, toCommand } from '../../command/command.js';
import { defineStep, type Plan } from '../../install/step.js';
import type { StepKind } from '../step-kind.js';

const schema = z.strictObject({
  command: z.string().min(1).describe('shell text run on the host'),
  sudo: z.boolean().default(false).describe('run it (and its guards) as root'),
  creates: z.string().min(1).optional().describe('skip when this path exists on the host'),
  unless: z.string().min(1).optional().describe('skip when this command succeeds'),
  onlyif: z.string().min(1).optional().describe('run only when this command succeeds'),
});

export type RunArgs = z.output<typeof schema>;

/** Why the guards say the command need not run, or undefined when it must. */
export type RunFacts = { readonly done?: string };

export function planRun(args: RunArgs, facts: RunFacts): Plan {
  if (facts.done !== undefined) return { kind: 'unchanged', reason: facts.done };
  return { kind: 'change', actions: [{ kind: 'command', description: `run${args.sudo ? ' with sudo' : ''}: ${args.command}`, command: toCommand(args.command), sudo: args.sudo }] };
}

export const runKind: StepKind<RunArgs> = {
  key: 'run',
  help: 'a shell command; creates, unless or onlyif make it run only when needed',
  schema,
  step(args) {
    return defineStep<RunFacts>({
      name: 'run',
      title: `run ${args.command.length > 40 ? `${args.command.slice(0, 39)}…` : args.command}`,
      async gather(ctx) {
        const succeeds = async (command: string): Promise<boolean> => (await (args.sudo ? ctx.sudo(command, { check: false, quiet: true }) : ctx.run(command, { check: false, quiet: true }))).exitCode === 0;
        if (args.creates !== undefined && (await succeeds(sh`test -e ${args.creates}`.text))) return { done: `creates: ${args.creates} exists` };
        if (args.unless !== undefined && (await succeeds(args.unless))) return { done: `unless: '${args.unless}' succeeded` };
        if (args.onlyif !== undefined && !(await succeeds(args.onlyif))) return { done: `onlyif: '${args.onlyif}' failed` };
        return {};
      },
      plan: (facts) => planRun(args, facts),
    });
  },
};
