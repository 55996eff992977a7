// The runner's own options and the split of the command line into them, the task name,
// the task's options and the words after `--`; then the operator's config fills in what the
// command line left out.
import { optionName, parseOperandLine, type OptionSpecs, type ParsedValues } from '../../sdk/cli/args.js';
import { UsageError } from '../errors.js';
import type { ConfigValue } from './operator-config.js';

/** The runner's options: what the parser accepts and what --help lists (help.ts), in this order. */
export const GLOBAL_OPTIONS = {
  hosts: { type: 'string', short: 'H', placeholder: 'LIST', multiple: true, help: 'hosts: user@host:port, ssh_config aliases, inventory hosts or groups (comma-separated)' },
  inventory: { type: 'string', short: 'i', placeholder: 'FILE', help: 'YAML inventory of hosts, groups and variables' },
  limit: { type: 'string', short: 'l', placeholder: 'PATTERN', help: "only the selected hosts that match: names, groups, globs (lab*), !exclude, &intersect; ',' or ':' between" },
  'tasks-file': { type: 'string', short: 'f', placeholder: 'FILE', help: 'load tasks from this file (default: ./cloudlet-tasks.ts, .mts, .cts, .mjs, .cjs or .js if present)' },
  user: { type: 'string', short: 'u', placeholder: 'USER', help: 'login user where the host, inventory and ssh_config name none' },
  identity: { type: 'string', short: 'k', placeholder: 'FILE', multiple: true, help: 'private key file to offer (after ssh-agent keys)' },
  'ssh-config': { type: 'string', short: 'F', placeholder: 'FILE', help: 'ssh_config file (default ~/.ssh/config)' },
  'known-hosts': { type: 'string', placeholder: 'FILE', help: 'known_hosts file to check and record keys in (default ~/.ssh/known_hosts)' },
  'accept-new-host-keys': { type: 'boolean', help: 'record the key of a host seen for the first time (a changed key is still refused)' },
  'ask-password': { type: 'boolean', help: 'ask once for the SSH login password (or set CLOUDLET_SSH_PASSWORD)' },
  'ask-sudo-password': { type: 'boolean', help: 'ask once for the sudo password of all hosts (or set CLOUDLET_SUDO_PASSWORD)' },
  parallel: { type: 'string', short: 'P', placeholder: 'N', help: 'hosts worked on at once (default 10)' },
  'fail-fast': { type: 'boolean', help: 'start no further host after the first failure' },
  retries: { type: 'string', placeholder: 'N', help: 'extra connection attempts with back-off for unreachable hosts (default 2)' },
  'connect-timeout': { type: 'string', placeholder: 'SECONDS', help: 'give up connecting after this long (default 10)' },
  'command-timeout': { type: 'string', placeholder: 'SECONDS', help: 'stop any command running longer than this (default: no limit)' },
  'dry-run': { type: 'boolean', short: 'n', help: 'show what would change and change nothing' },
  json: { type: 'boolean', help: 'print one JSON event per line' },
  plain: { type: 'boolean', help: 'print plain prefixed lines even on a terminal' },
  debug: { type: 'boolean', help: 'print stack traces of unexpected errors' },
  help: { type: 'boolean', short: 'h', help: 'show help (for a task: cloudlet-tasks TASK --help)' },
  version: { type: 'boolean', short: 'V', help: 'show the version' },
} as const satisfies OptionSpecs;

/** The runner options given, typed from GLOBAL_OPTIONS: `parallel` a string, `hosts` a list, `json` a flag; each undefined when absent. */
export type GlobalValues = ParsedValues<typeof GLOBAL_OPTIONS>;

export interface SplitCommandLine {
  readonly globals: GlobalValues;
  readonly task?: string;
  /** Options and words after the task name that are not global options. */
  readonly taskTokens: readonly string[];
  /** Words after `--`. */
  readonly args: readonly string[];
}

/** The runner option a task option named `name` would be mistaken for on the command line. */
export function globalOptionNamed(name: string): string | undefined {
  return Object.hasOwn(GLOBAL_OPTIONS, name) ? optionName(name, GLOBAL_OPTIONS[name as keyof typeof GLOBAL_OPTIONS]) : undefined;
}

/**
 * Splits `cloudlet-tasks [options] TASK [task options] [-- words]` with the parser the `cloudlet`
 * CLI uses (sdk/cli/args.ts). A runner option after the task is still the runner's (task options
 * may not share its names, cli-tasks.ts), so `TASK --help` shows the task's help.
 *
 * @example splitCommandLine(['-P4', 'run', '--sudo', '--', 'id']) // { globals: { parallel: '4' }, task: 'run', taskTokens: ['--sudo'], args: ['id'] }
 */
export function splitCommandLine(argv: readonly string[]): SplitCommandLine {
  const line = parseOperandLine(argv, GLOBAL_OPTIONS, { unknown: (option) => `unknown option '${option}' (see cloudlet-tasks --help)` });
  return { globals: line.values, ...(line.operand ? { task: line.operand } : {}), taskTokens: line.operandArgs, args: line.rest };
}

type NumericOption = 'parallel' | 'retries' | 'connect-timeout' | 'command-timeout';

/** Reads a numeric global option, checking its range. */
export function numberOption(globals: GlobalValues, name: NumericOption, fallback: number, min: number): number {
  const raw = globals[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new UsageError(`--${name} must be a number >= ${min}, got '${String(raw)}'`);
  return value;
}

/**
 * Fills the options the command line left out from the operator's config (`cloudlet-tasks config`):
 * a flag overrides the config, the config overrides the built-in default.
 *
 * @example withConfig({ parallel: '2' }, { parallel: 4, inventory: '/lab.yml' }) // { parallel: '2', inventory: '/lab.yml' }
 */
export function withConfig(globals: GlobalValues, config: Readonly<Record<string, ConfigValue>>): GlobalValues {
  const out: GlobalValues = { ...globals };
  for (const [key, value] of Object.entries(config)) {
    if (!Object.hasOwn(GLOBAL_OPTIONS, key) || out[key as keyof GlobalValues] !== undefined) continue;
    if (typeof value === 'boolean') {
      if (value) Object.assign(out, { [key]: true });
    } else {
      Object.assign(out, { [key]: String(value) });
    }
  }
  return out;
}
