// VM names that differ per host: `web-{host}` becomes `web-lab1` on lab1, `{index}` the host's
// position in the run (0, 1, …), so one command puts a VM with its own name on every host.
import { UsageError } from '../errors.js';

const FIELD = /\{([^{}]*)\}/g;
const FIELDS = new Set(['host', 'index']);

/** Refuses a template with a field other than {host} and {index} (checked before any host is contacted). */
export function checkNameTemplate(template: string, option = '--name'): void {
  for (const [, field] of template.matchAll(FIELD)) {
    if (!FIELDS.has(field ?? '')) throw new UsageError(`${option} '${template}': unknown field {${field}}; the fields are {host} and {index}`);
  }
}

/** The name for one host. */
export function expandName(template: string, host: { name: string; index: number }): string {
  return template.replace(FIELD, (_whole, field: string) => (field === 'host' ? host.name : String(host.index)));
}
