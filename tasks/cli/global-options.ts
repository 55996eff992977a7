// The runner's own options and the split of the command line into them, the task name,
// the task's options and the words after `--`; then the operator's config fills in what the
// command line left out.
import { UsageError } from '../errors.js';
import type { ConfigValue } from './operator-config.js';

interface GlobalSpec {
  readonly long: string;
  readonly short?: string;
  readonly value?: string;
  readonly repeat?: boolean;
  readonly help: string;
}

export const GLOBAL_OPTIONS: readonly GlobalSpec[] = [
  { long: 'hosts', short: 'H', value: 'LIST', repeat: true, help: 'hosts: user@host:port, ssh_config aliases, inventory hosts or groups (comma-separated)' },
  { long: 'inventory', short: 'i', value: 'FILE', help: 'YAML inventory of hosts, groups and variables' },
  { long: 'limit', short: 'l', value: 'PATTERN', help: "only the selected hosts that match: names, groups, globs (lab*), !exclude, &intersect; ',' or ':' between" },
  { long: 'tasks-file', short: 'f', value: 'FILE', help: 'load tasks from this file (default: ./cloudlet-tasks.ts, .mts, .cts, .mjs, .cjs or .js if present)' },
  { long: 'user', short: 'u', value: 'USER', help: 'login user where the host, inventory and ssh_config name none' },
  { long: 'identity', short: 'k', value: 'FILE', repeat: true, help: 'private key file to offer (after ssh-agent keys)' },
  { long: 'ssh-config', short: 'F', value: 'FILE', help: 'ssh_config file (default ~/.ssh/config)' },
  { long: 'known-hosts', value: 'FILE', help: 'known_hosts file to check and record keys in (default ~/.ssh/known_hosts)' },
  { long: 'accept-new-host-keys', help: 'record the key of a host seen for the first time (a changed key is still refused)' },
  { long: 'ask-password', help: 'ask once for the SSH login password (or set CLOUDLET_SSH_PASSWORD)' },
  { long: 'ask-sudo-password', help: 'ask once for the sudo password of all hosts (or set CLOUDLET_SUDO_PASSWORD)' },
  { long: 'parallel', short: 'P', value: 'N', help: 'hosts worked on at once (default 10)' },
  { long: 'fail-fast', help: 'start no further host after the first failure' },
  { long: 'retries', value: 'N', help: 'extra connection attempts with back-off for unreachable hosts (default 2)' },
  { long: 'connect-timeout', value: 'SECONDS', help: 'give up connecting after this long (default 10)' },
  { long: 'command-timeout', value: 'SECONDS', help: 'stop any command running longer than this (default: no limit)' },
  { long: 'dry-run', short: 'n', help: 'show what would change and change nothing' },
  { long: 'json', help: 'print one JSON event per line' },
  { long: 'plain', help: 'print plain prefixed lines even on a terminal' },
  { long: 'debug', help: 'print stack traces of unexpected errors' },
  { long: 'help', short: 'h', help: 'show help (for a task: cloudlet-tasks TASK --help)' },
  { long: 'version', short: 'V', help: 'show the version' },
];

export type GlobalValues = Record<string, string | string[] | boolean | undefined>;

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
  const spec = GLOBAL_OPTIONS.find((candidate) => candidate.long === name);
  return spec && `${spec.short ? `-${spec.short}/` : ''}--${spec.long}`;
}

function find(token: string): GlobalSpec | undefined {
  if (token.startsWith('--')) return GLOBAL_OPTIONS.find((spec) => spec.long === token.slice(2));
  return GLOBAL_OPTIONS.find((spec) => spec.short !== undefined && `-${spec.short}` === token);
}

export function splitCommandLine(argv: readonly string[]): SplitCommandLine {
  const globals: GlobalValues = {};
  const taskTokens: string[] = [];
  let task: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const raw = argv[i]!;
    if (raw === '--') return { globals, ...(task ? { task } : {}), taskTokens, args: argv.slice(i + 1) };
    const [token, inline] = raw.startsWith('--') && raw.includes('=') ? [raw.slice(0, raw.indexOf('=')), raw.slice(raw.indexOf('=') + 1)] : [raw, undefined];
    const spec = token.startsWith('-') ? find(token) : undefined;
    if (!spec) {
      if (task === undefined && !token.startsWith('-')) task = token;
      else if (task === undefined) throw new UsageError(`unknown option '${token}' (see cloudlet-tasks --help)`);
      else taskTokens.push(raw);
      continue;
    }
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`option --${spec.long} takes no value`);
      globals[spec.long] = true;
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new UsageError(`option --${spec.long} needs a value (${spec.value})`);
    if (spec.repeat) globals[spec.long] = [...((globals[spec.long] as string[] | undefined) ?? []), value];
    else globals[spec.long] = value;
  }
  return { globals, ...(task ? { task } : {}), taskTokens, args: [] };
}

/** Reads a numeric global option, checking its range. */
export function numberOption(globals: GlobalValues, name: string, fallback: number, min: number): number {
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
    if (out[key] !== undefined) continue;
    if (typeof value === 'boolean') {
      if (value) out[key] = true;
    } else {
      out[key] = String(value);
    }
  }
  return out;
}
