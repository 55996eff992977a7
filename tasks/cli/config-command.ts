// `cloudlet-tasks config get KEY | set KEY VALUE | unset KEY | list [--json] | path`: the
// operator's persistent defaults for the runner options. Handled before tasks and hosts are
// loaded: it needs neither.
import { UsageError } from '../errors.js';
import { ExitCode } from './exit-codes.js';
import type { GlobalValues } from './global-options.js';
import { CONFIG_KEYS, configKey, OperatorConfig } from './operator-config.js';

export interface ConfigIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

const USAGE = 'usage: cloudlet-tasks config get KEY | set KEY VALUE | unset KEY | list [--json] | path';

function configHelp(): string {
  const width = Math.max(...Object.keys(CONFIG_KEYS).map((key) => key.length));
  return [
    'cloudlet-tasks config: defaults for the runner options, kept for this user',
    '',
    USAGE,
    '',
    'A flag on the command line overrides a config value; a config value overrides the built-in default.',
    '',
    'keys:',
    ...Object.entries(CONFIG_KEYS).map(([key, spec]) => `  ${key.padEnd(width)}  ${spec.help} [default: ${spec.fallback}]`),
  ].join('\n');
}

function expectWords(action: string, words: readonly string[], names: readonly string[]): void {
  if (words.length !== names.length) {
    throw new UsageError(`config ${action} takes ${names.length === 0 ? 'no words' : names.join(' ')}, got ${words.length === 0 ? 'none' : `'${words.join(' ')}'`} (${USAGE})`);
  }
}

/** Runs the `config` subcommand; `words` follow `config` on the command line. */
export function configCommand(words: readonly string[], globals: GlobalValues, io: ConfigIo): number {
  if (globals.help) {
    io.stdout.write(`${configHelp()}\n`);
    return ExitCode.ok;
  }
  const [action, ...rest] = words;
  const config = new OperatorConfig(io.env);
  switch (action) {
    case 'get': {
      expectWords('get', rest, ['KEY']);
      const key = rest[0]!;
      const spec = configKey(key);
      const value = config.values()[key];
      if (value === undefined) io.stderr.write(`cloudlet-tasks: ${key} is not set (built-in default: ${spec.fallback})\n`);
      else io.stdout.write(`${String(value)}\n`);
      return ExitCode.ok;
    }
    case 'set':
      expectWords('set', rest, ['KEY', 'VALUE']);
      config.set(rest[0]!, rest[1]!, io.cwd);
      return ExitCode.ok;
    case 'unset':
      expectWords('unset', rest, ['KEY']);
      config.unset(rest[0]!);
      return ExitCode.ok;
    case 'list': {
      expectWords('list', rest, []);
      const values = config.values();
      if (globals.json) io.stdout.write(`${JSON.stringify(values)}\n`);
      else for (const [key, value] of Object.entries(values)) io.stdout.write(`${key}=${String(value)}\n`);
      return ExitCode.ok;
    }
    case 'path':
      expectWords('path', rest, []);
      io.stdout.write(`${config.file}\n`);
      return ExitCode.ok;
    default:
      throw new UsageError(`${action === undefined ? 'config needs an action' : `unknown config action '${action}'`} (${USAGE})`);
  }
}
