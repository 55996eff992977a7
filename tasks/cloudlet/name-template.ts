// Text that differs per host: `web-{host}` becomes `web-lab1` on lab1, `{index}` the host's
// position in the run (0, 1, …), and a playbook adds its variables (`{site}`). Fields are
// plain names, never code; `{{` and `}}` stand for literal braces (shell `${{HOME}}`, awk `{{print}}`).
import { UsageError } from '../errors.js';

const TOKEN = /\{\{|\}\}|\{([^{}]*)\}/g;
const NAME_FIELDS = ['host', 'index'];

/** The fields a template uses, in order of appearance (`{{` and `}}` are no fields). */
export function templateFields(template: string): string[] {
  return [...template.matchAll(TOKEN)].flatMap(([whole, field]) => (whole === '{{' || whole === '}}' ? [] : [field ?? '']));
}

/**
 * The template with every field replaced by `values[field]`; a field without a value throws
 * UsageError naming `where` and the known fields.
 */
export function expandTemplate(template: string, values: Readonly<Record<string, string>>, where: string): string {
  return template.replace(TOKEN, (whole, field: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (!Object.hasOwn(values, field!)) throw new UsageError(unknownField(where, template, field!, Object.keys(values)));
    return values[field!]!;
  });
}

/** The message for a field nothing defines. */
export function unknownField(where: string, template: string, field: string, known: readonly string[]): string {
  const fields = known.map((name) => `{${name}}`);
  const list = fields.length > 2 ? `${fields.slice(0, -1).join(', ')} and ${fields.at(-1)}` : fields.join(' and ');
  return `${where} '${template}': unknown field {${field}}; the fields are ${list} (write {{ and }} for literal braces)`;
}

/** Refuses a template with a field other than {host} and {index} (checked before any host is contacted). */
export function checkNameTemplate(template: string, option = '--name'): void {
  const field = templateFields(template).find((name) => !NAME_FIELDS.includes(name));
  if (field !== undefined) throw new UsageError(unknownField(option, template, field, NAME_FIELDS));
}

/** The name for one host. */
export function expandName(template: string, host: { name: string; index: number }): string {
  return expandTemplate(template, { host: host.name, index: String(host.index) }, '--name');
}
