// Writes playbooks/playbook.schema.json from the zod schemas: `node dist/tasks/playbook/write-schema.js`
// after a change to a step kind's arguments (test/tasks/playbook/playbook-schema.test.ts fails until then).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { playbookJsonSchema } from './playbook-schema.js';

/** Where the published schema lives, from the built module (dist/tasks/playbook/) or the source alike. */
export const SCHEMA_FILE = fileURLToPath(new URL(`${import.meta.url.includes('/dist/') ? '../../../' : '../../'}playbooks/playbook.schema.json`, import.meta.url));

/** The schema file's text. */
export function schemaText(): string {
  return `${JSON.stringify(playbookJsonSchema(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) writeFileSync(SCHEMA_FILE, schemaText());
