// `cloudlet-tasks play FILE [--check] [--diff] [--only STEPS] [--skip STEPS]`: reads and
// validates the whole playbook (its inventory, its hosts, every step) before any connection,
// then hands main.ts the run: the playbook's task, its hosts (narrowed by --limit), its
// batches. Everything else (SSH, secrets, renderers, exit codes) is the runner's as for any task.
import { resolve } from 'node:path';
import { optionLabel, parseOptions, type OptionSpecs } from '../../sdk/cli/args.js';
import { UsageError } from '../errors.js';
import type { HostTarget } from '../inventory/host-target.js';
import type { Inventory } from '../inventory/inventory.js';
import { limitHosts } from '../inventory/limit-hosts.js';
import { resolveHosts } from '../inventory/resolve-hosts.js';
import type { SshConfigSource } from '../inventory/ssh-config.js';
import { loadPlaybook } from '../playbook/load-playbook.js';
import { PlayReport } from '../playbook/play-report.js';
import { playTask } from '../playbook/play-task.js';
import { selectSteps } from '../playbook/step-selection.js';
import { STEP_KINDS } from '../playbook/step-kinds.js';
import { validatePlaybook } from '../playbook/validate-playbook.js';
import { batchSize } from '../run/batches.js';
import type { EventSink, RunSummary } from '../run/events.js';
import type { Task } from '../task/define-task.js';
import type { GlobalValues } from './global-options.js';

const PLAY_OPTIONS = {
  check: { type: 'boolean', help: 'show what each step would change on each host, change nothing (as -n/--dry-run)' },
  diff: { type: 'boolean', help: "show file changes as unified diffs (not for secret: true files or files others may not read)" },
  only: { type: 'string', placeholder: 'STEPS', help: 'run only these steps: titles, kinds or kind#N, comma-separated' },
  skip: { type: 'string', placeholder: 'STEPS', help: 'leave these steps out: titles, kinds or kind#N, comma-separated' },
} as const satisfies OptionSpecs;

export function playHelp(): string {
  const rows = Object.entries(PLAY_OPTIONS).map(([long, spec]) => [optionLabel(long, spec).trimStart(), spec.help] as const);
  const width = Math.max(...rows.map(([left]) => left.length), ...STEP_KINDS.map((kind) => kind.key.length));
  return [
    'cloudlet-tasks play: apply a playbook (YAML, or a module exporting definePlaybook) to its hosts, step by step, changing only what differs',
    '',
    'usage: cloudlet-tasks [options] play FILE [--check] [--diff] [--only STEPS] [--skip STEPS]',
    '',
    'play options:',
    ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    '',
    'step kinds:',
    ...STEP_KINDS.map((kind) => `  ${kind.key.padEnd(width)}  ${kind.help}`),
    '',
    'The hosts are the playbook\'s (hosts:); --limit narrows them, -i replaces its inventory. See the README, Playbooks.',
    'runner options: see cloudlet-tasks --help',
  ].join('\n');
}

/** What main.ts runs for a play. */
export interface PlayRun {
  readonly task: Task;
  readonly hosts: readonly HostTarget[];
  readonly dryRun: boolean;
  readonly serial?: number;
  readonly maxFailPercentage?: number;
  readonly observe: EventSink;
  report(summary: RunSummary): readonly string[];
}

/** The hosts `patterns` select: the inventory's (all of them, narrowed by the patterns) and the ad-hoc ones. */
async function selectHosts(patterns: readonly string[], inventory: Inventory | undefined, sshConfig: SshConfigSource, globals: GlobalValues): Promise<HostTarget[]> {
  const options = { sshConfig, ...(inventory ? { inventory } : {}), ...(globals.user ? { defaultUser: globals.user } : {}), identityFiles: globals.identity ?? [] };
  if (!inventory) return resolveHosts(patterns, options);
  const plain = patterns.filter((p) => !/^[!&]/.test(p) && !/[*?[]/.test(p));
  const extra = plain.filter((name) => name !== 'all' && !inventory.hosts.has(name) && !inventory.groups.has(name));
  const pool = await resolveHosts([...inventory.hosts.keys(), ...extra], options);
  return limitHosts(pool, patterns.join(','));
}

/** Validates the playbook and prepares its run; `words` follow `play` on the command line. */
export async function preparePlay(words: readonly string[], globals: GlobalValues, sshConfig: SshConfigSource, cwd: string): Promise<PlayRun> {
  const { values, positionals } = parseOptions(words, PLAY_OPTIONS, { of: ' of play', unknown: (option) => `unknown option '${option}' for play (see cloudlet-tasks play --help)` });
  if (positionals.length !== 1) throw new UsageError(`play takes one playbook file, got ${positionals.length === 0 ? 'none' : positionals.join(' ')} (usage: cloudlet-tasks play FILE)`);
  if (globals.hosts !== undefined) throw new UsageError('play takes its hosts from the playbook (hosts:); narrow them with --limit instead of -H');
  const source = await loadPlaybook(resolve(cwd, positionals[0]!));
  const { playbook, hosts: selected } = await validatePlaybook(source, {
    ...(globals.inventory ? { inventoryFile: resolve(cwd, globals.inventory) } : {}),
    aliases: sshConfig.aliases,
    selectHosts: (patterns, inventory) => selectHosts(patterns, inventory, sshConfig, globals),
  });
  const leftOut = selectSteps(playbook.steps, values.only, values.skip);
  const hosts = globals.limit === undefined ? selected : limitHosts(selected, globals.limit);
  const dryRun = values.check === true || globals['dry-run'] === true;
  const report = new PlayReport(new Map(playbook.steps.map((step) => [step.id, step.title ?? step.kind.key])));
  return {
    task: playTask({ playbook, diff: values.diff === true, leftOut, hosts: selected.map((host) => host.name) }),
    hosts,
    dryRun,
    ...(playbook.serial !== undefined ? { serial: batchSize(playbook.serial, hosts.length) } : {}),
    ...(playbook.maxFailPercentage !== undefined ? { maxFailPercentage: playbook.maxFailPercentage } : {}),
    observe: report.observe,
    report: (summary) => report.lines(summary, dryRun),
  };
}
