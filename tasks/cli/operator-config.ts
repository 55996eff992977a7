// The operator's persistent defaults (`cloudlet-tasks config`), kept with conf in
// $XDG_CONFIG_HOME/cloudlet-tasks/config.json (~/.config/cloudlet-tasks/config.json when it is
// unset), mode 0600. Each key is the runner option of the same name: a flag on the command
// line overrides it, and it overrides the built-in default. Values are checked when set and
// again when read, so a hand-edited file cannot slip a bad value into a run.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import Conf from 'conf';
import { ConfigFileError, ConfigKeyError, ConfigValueError } from '../errors.js';
import { closestName } from '../inventory/closest-name.js';

export type ConfigValue = string | number | boolean;

interface ConfigKeySpec {
  readonly help: string;
  /** What a valid value looks like, for messages. */
  readonly expected: string;
  /** The built-in default, for `config get` of an unset key. */
  readonly fallback: string;
  /** The value to store, or undefined when `value` is not valid. Paths are made absolute against `cwd`. */
  parse(value: string, cwd: string, home: string): ConfigValue | undefined;
}

function path(value: string, cwd: string, home: string): string | undefined {
  if (value.trim() === '') return undefined;
  return resolve(cwd, value.replace(/^~(?=$|\/)/, home));
}

function number(min: number, integer: boolean): ConfigKeySpec['parse'] {
  return (value) => {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) && n >= min && (!integer || Number.isInteger(n)) ? n : undefined;
  };
}

const BOOLEANS: Readonly<Record<string, boolean>> = { true: true, yes: true, on: true, '1': true, false: false, no: false, off: false, '0': false };

/** The keys, named as the runner options they give a default to. */
export const CONFIG_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  inventory: { help: 'inventory used when no -i is given', expected: 'a file path', fallback: 'none', parse: path },
  parallel: { help: 'hosts worked on at once (-P)', expected: 'an integer >= 1', fallback: '10', parse: number(1, true) },
  retries: { help: 'extra connection attempts (--retries)', expected: 'an integer >= 0', fallback: '2', parse: number(0, true) },
  'connect-timeout': { help: 'seconds to connect (--connect-timeout)', expected: 'a number of seconds >= 0.1', fallback: '10', parse: number(0.1, false) },
  'command-timeout': { help: 'seconds a command may run, 0 for no limit (--command-timeout)', expected: 'a number of seconds >= 0', fallback: '0 (no limit)', parse: number(0, false) },
  'accept-new-host-keys': {
    help: 'record the key of a host seen for the first time (--accept-new-host-keys)',
    expected: 'true or false (yes/no, on/off, 1/0)',
    fallback: 'false',
    parse: (value) => BOOLEANS[value.trim().toLowerCase()],
  },
  'known-hosts': { help: 'known_hosts file to check and record keys in (--known-hosts)', expected: 'a file path', fallback: '~/.ssh/known_hosts', parse: path },
  'ssh-config': { help: 'ssh_config file (-F)', expected: 'a file path', fallback: '~/.ssh/config', parse: path },
  user: { help: 'login user where nothing else names one (-u)', expected: 'a user name without spaces', fallback: 'the local user', parse: (value) => (/^[^\s@:]+$/.test(value) ? value : undefined) },
};

const CONFIG_KEY_NAMES: readonly string[] = Object.keys(CONFIG_KEYS);

/** Where the config lives for this environment: XDG_CONFIG_HOME when set to an absolute path (as the XDG spec asks). */
function configDirectory(env: NodeJS.ProcessEnv): string {
  const xdg = env['XDG_CONFIG_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(env['HOME'] || homedir(), '.config');
  return join(base, 'cloudlet-tasks');
}

/** Returns the spec of `key`, or throws ConfigKeyError listing the known keys. */
export function configKey(key: string): ConfigKeySpec {
  const spec = Object.hasOwn(CONFIG_KEYS, key) ? CONFIG_KEYS[key] : undefined;
  if (!spec) throw new ConfigKeyError(key, CONFIG_KEY_NAMES, closestName(key, CONFIG_KEY_NAMES));
  return spec;
}

export class OperatorConfig {
  readonly file: string;
  readonly #directory: string;
  readonly #home: string;
  #conf: Conf<Record<string, unknown>> | undefined;

  constructor(env: NodeJS.ProcessEnv) {
    this.#directory = configDirectory(env);
    this.#home = env['HOME'] || homedir();
    this.file = join(this.#directory, 'config.json');
  }

  /** Every stored value of a known key, checked; keys this version does not know are left alone. */
  values(): Record<string, ConfigValue> {
    if (!existsSync(this.file)) return {};
    const out: Record<string, ConfigValue> = {};
    for (const [key, stored] of Object.entries(this.read())) {
      if (!Object.hasOwn(CONFIG_KEYS, key)) continue;
      const spec = CONFIG_KEYS[key]!;
      const text = typeof stored === 'string' || typeof stored === 'number' || typeof stored === 'boolean' ? String(stored) : JSON.stringify(stored);
      const value = typeof stored === 'object' ? undefined : spec.parse(text, this.#directory, this.#home);
      if (value === undefined) throw new ConfigValueError(key, text, spec.expected, this.file);
      out[key] = value;
    }
    return out;
  }

  /** Checks and stores a value given on the command line; relative paths are taken from `cwd`. */
  set(key: string, raw: string, cwd: string): ConfigValue {
    const spec = configKey(key);
    const value = spec.parse(raw, cwd, this.#home);
    if (value === undefined) throw new ConfigValueError(key, raw, spec.expected);
    this.write((conf) => conf.set(key, value));
    return value;
  }

  /** Removes a key; returns whether it was set. */
  unset(key: string): boolean {
    configKey(key);
    if (!existsSync(this.file) || !(key in this.read())) return false;
    this.write((conf) => conf.delete(key));
    return true;
  }

  private read(): Record<string, unknown> {
    try {
      return this.conf().store;
    } catch (error) {
      throw new ConfigFileError(this.file, `cannot be read (${(error as Error).message}); fix or remove it`, { cause: error });
    }
  }

  private write(change: (conf: Conf<Record<string, unknown>>) => void): void {
    try {
      change(this.conf());
    } catch (error) {
      throw new ConfigFileError(this.file, `cannot be written (${(error as Error).message})`, { cause: error });
    }
  }

  private conf(): Conf<Record<string, unknown>> {
    this.#conf ??= new Conf<Record<string, unknown>>({
      projectName: 'cloudlet-tasks',
      cwd: this.#directory,
      configFileMode: 0o600,
      // Keys hold dashes, never paths into nested objects.
      accessPropertiesByDotNotation: false,
    });
    return this.#conf;
  }
}
