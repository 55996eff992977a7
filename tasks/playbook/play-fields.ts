// The `{field}` values of one host: {host}, {index}, the playbook's variables, and the host's
// inventory variables, which win over the playbook's (the inventory knows the host best).
// Values are text; a structured inventory variable (a list, a mapping) fills no field.
import { expandTemplate } from '../cloudlet/name-template.js';
import type { HostTarget } from '../inventory/host-target.js';

function scalars(vars: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(Object.entries(vars).flatMap(([name, value]) => (['string', 'number', 'boolean'].includes(typeof value) ? [[name, String(value)]] : [])));
}

/** The fields of the host at `index` among the run's hosts. */
export function fieldValues(vars: Readonly<Record<string, unknown>>, host: Pick<HostTarget, 'name' | 'vars'>, index: number): Record<string, string> {
  return { ...scalars(vars), ...scalars(host.vars), host: host.name, index: String(index) };
}

/** Step arguments with every string's fields filled in; `where` names the step in an error. */
export function templateArgs(args: unknown, values: Readonly<Record<string, string>>, where: string): unknown {
  if (typeof args === 'string') return expandTemplate(args, values, where);
  if (Array.isArray(args)) return args.map((item) => templateArgs(item, values, where));
  if (args !== null && typeof args === 'object') return Object.fromEntries(Object.entries(args).map(([key, value]) => [key, templateArgs(value, values, `${where}.${key}`)]));
  return args;
}
