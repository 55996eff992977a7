// The playbook's format as zod schemas: the top-level keys, and per step kind an entry with
// that kind's key and an optional `name:` title. Validation reads the same schemas (it picks
// each entry's schema by its key, for messages about that kind alone), and so does the
// published JSON Schema (playbooks/playbook.schema.json) that editors complete playbooks with.
import { z } from 'zod';
import type { StepKind } from './step-kind.js';
import { STEP_KINDS } from './step-kinds.js';

/** A variable's name: what `{name}` fields use. */
export const VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function topLevel<S extends z.ZodType>(steps: S) {
  return z.strictObject({
    name: z.string().min(1).describe('what the playbook sets up; shown in the run'),
    hosts: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)], { error: 'must be a host, group or pattern, or a list of them' })
      .describe('inventory hosts, groups or patterns (lab*, !lab3, &edge), comma-separated or a list; user@host specs without an inventory'),
    inventory: z.string().min(1).optional().describe('the inventory file, relative to the playbook; -i overrides it'),
    serial: z
      .union([z.int().min(1), z.string().regex(/^\d+(\.\d+)?%$/, 'must be a whole number >= 1 or a percentage such as "30%"')], { error: 'must be a whole number >= 1 or a percentage such as "30%"' })
      .optional()
      .describe('hosts per batch (a number or a percentage of the hosts); default: all hosts in one batch'),
    max_fail_percentage: z.number().min(0).max(100).optional().describe('stop the later batches when more than this percentage of a batch failed'),
    vars: z
      .record(z.string().regex(VAR_NAME, 'a variable name is letters, digits and _'), z.union([z.string(), z.number(), z.boolean()], { error: 'must be text, a number or a boolean' }))
      .optional()
      .describe('variables for {name} fields in step arguments; a host inventory variable of the same name wins'),
    steps: steps.describe('the steps, in order; each has exactly one step-kind key'),
  });
}

/** One step entry of a kind: its key with the kind's arguments, and an optional title. */
export function stepEntrySchema(kind: StepKind<unknown>) {
  return z.strictObject({ name: z.string().min(1).optional().describe('a title, shown in the run and usable with --only/--skip'), [kind.key]: kind.schema }).describe(kind.help);
}

/** The top level, with each step only required to be a mapping: its kind's schema checks it then. */
export const PLAYBOOK_SHAPE = topLevel(z.array(z.record(z.string(), z.unknown(), { error: 'a step must be a mapping with one step-kind key' })).min(1));

/** The whole playbook, every step kind included. */
export function playbookSchema(kinds: readonly StepKind<unknown>[] = STEP_KINDS) {
  return topLevel(z.array(z.union(kinds.map(stepEntrySchema) as unknown as [z.ZodType, ...z.ZodType[]])).min(1));
}

/** The JSON Schema of playbooks (`# yaml-language-server: $schema=playbook.schema.json`). */
export function playbookJsonSchema(kinds: readonly StepKind<unknown>[] = STEP_KINDS): Record<string, unknown> {
  const schema = z.toJSONSchema(playbookSchema(kinds), { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, title: 'cloudlet-tasks playbook', description: 'cloudlet-tasks play FILE: hosts, batches, variables and check-then-change steps' };
}
