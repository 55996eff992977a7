// A task option not given on the command line comes from the host's inventory variable
// of the same name (dashes as underscores, e.g. --min-disk-gb <- min_disk_gb), then from
// the option's default. So a group can carry its own settings.
import { UsageError } from '../errors.js';
import type { OptionSpecs, OptionValues } from './define-task.js';

export function varName(option: string): string {
  return option.replace(/-/g, '_');
}

/** The options one host runs with: command line, then inventory variables, then defaults. */
export function hostOptions(
  specs: OptionSpecs,
  explicit: OptionValues<OptionSpecs>,
  vars: Readonly<Record<string, unknown>>,
  host: string,
): OptionValues<OptionSpecs> {
  const out: Record<string, string | number | boolean | undefined> = {};
  for (const [name, spec] of Object.entries(specs)) {
    const given = explicit[name];
    if (given !== undefined) {
      out[name] = given;
      continue;
    }
    const value = vars[varName(name)];
    if (value === undefined) {
      out[name] = spec.default;
      continue;
    }
    const type = spec.type === 'number' ? 'number' : spec.type === 'boolean' ? 'boolean' : 'string';
    if (typeof value !== type || (spec.choices && !spec.choices.includes(value as string))) {
      throw new UsageError(`${host}: inventory variable ${varName(name)} must be a ${type}${spec.choices ? ` (${spec.choices.join(', ')})` : ''}, got ${JSON.stringify(value)}`);
    }
    out[name] = value as string | number | boolean;
  }
  return out;
}
