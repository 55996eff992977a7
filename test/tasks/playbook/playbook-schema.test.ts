// The published JSON Schema is the zod schemas' own: it is regenerated and compared, so it cannot go stale.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SCHEMA_FILE, schemaText } from '../../../tasks/playbook/write-schema.js';

describe('playbooks/playbook.schema.json', () => {
  it('is what the zod schemas generate (regenerate: node dist/tasks/playbook/write-schema.js)', () => {
    assert.equal(readFileSync(SCHEMA_FILE, 'utf8'), schemaText());
  });

  it('lists every step kind, each entry with its key required and nothing else allowed', () => {
    const schema = JSON.parse(schemaText()) as { required: string[]; properties: { steps: { items: { anyOf: { required: string[]; additionalProperties: boolean }[] } } } };
    assert.deepEqual(schema.required, ['name', 'hosts', 'steps']);
    const entries = schema.properties.steps.items.anyOf;
    assert.deepEqual(entries.map((entry) => entry.required), [['install'], ['base'], ['vm'], ['file'], ['run'], ['check']]);
    assert.ok(entries.every((entry) => entry.additionalProperties === false));
  });
});
