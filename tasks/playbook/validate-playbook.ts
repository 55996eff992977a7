// Checks a whole playbook before any host is touched and collects every problem, each at its
// line and column: the shape (unknown keys with a "did you mean", wrong types), each step's
// arguments against its kind, the kinds' own checks (missing local files), the inventory and
// the hosts it must name, and every `{field}` of the step arguments against the variables of
// every selected host. One PlaybookError lists them all.
import { dirname, resolve } from 'node:path';
import type { z } from 'zod';
import { templateFields } from '../cloudlet/name-template.js';
import { InventoryError, UsageError } from '../errors.js';
import { closestName } from '../inventory/closest-name.js';
import type { HostTarget } from '../inventory/host-target.js';
import { loadInventory, type Inventory } from '../inventory/inventory.js';
import type { Serial } from '../run/batches.js';
import { PlaybookError, type PlaybookProblem } from './errors.js';
import type { KeyPath, PlaybookSource } from './load-playbook.js';
import { PLAYBOOK_SHAPE, stepEntrySchema } from './playbook-schema.js';
import { fieldValues } from './play-fields.js';
import type { StepKind } from './step-kind.js';
import { STEP_KINDS } from './step-kinds.js';

/** A step of a valid playbook: its kind, arguments as written, id (`file#2`) and title. */
export interface PlaybookStepPlan {
  /** `kind#N`, N counting the steps of that kind from 1. */
  readonly id: string;
  readonly kind: StepKind<unknown>;
  /** The `name:` title, if any. */
  readonly title?: string;
  readonly args: unknown;
}

/** A playbook that passed validation, with the hosts it selects. */
export interface Playbook {
  readonly name: string;
  readonly file: string;
  readonly baseDir: string;
  readonly inventory?: Inventory;
  readonly serial?: Serial;
  readonly maxFailPercentage?: number;
  readonly vars: Readonly<Record<string, string | number | boolean>>;
  readonly steps: readonly PlaybookStepPlan[];
}

export interface ValidateOptions {
  /** `-i`: overrides the playbook's `inventory:`. */
  readonly inventoryFile?: string;
  /** ssh_config Host aliases: names a playbook may use besides the inventory's. */
  readonly aliases: ReadonlySet<string>;
  /** Resolves the hosts the playbook names (after its inventory was read); a UsageError becomes a problem at `hosts:`. */
  readonly selectHosts: (patterns: readonly string[], inventory: Inventory | undefined) => Promise<HostTarget[]>;
  readonly kinds?: readonly StepKind<unknown>[];
}

type Shape = z.output<typeof PLAYBOOK_SHAPE>;

class Problems {
  readonly list: PlaybookProblem[] = [];
  constructor(private readonly source: PlaybookSource) {}

  add(path: KeyPath, message: string, at: 'value' | 'key' = 'value'): void {
    const position = this.source.locate(path, at);
    this.list.push({ file: this.source.file, ...(position ?? {}), path: pathText(path), message });
  }

  zod(base: KeyPath, issues: readonly z.core.$ZodIssue[], schema: z.ZodType): void {
    for (const issue of issues) {
      const path = [...base, ...(issue.path as (string | number)[])];
      if (issue.code !== 'unrecognized_keys') {
        this.add(path, issue.message);
        continue;
      }
      const known = keysAt(schema, issue.path as (string | number)[]);
      for (const key of issue.keys) {
        const guess = closestName(key, known);
        this.add([...path, key], `unknown key '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}; the keys here are ${known.join(', ')}`, 'key');
      }
    }
  }
}

function pathText(path: KeyPath): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

/** The keys an object schema at `path` inside `schema` accepts (zod's own structure, unwrapped through optional and default). */
function keysAt(schema: z.ZodType, path: readonly (string | number)[]): string[] {
  type Def = { type: string; innerType?: Node; in?: Node; shape?: Record<string, Node>; element?: Node; valueType?: Node };
  type Node = { _zod: { def: Def } };
  const unwrap = (node: Node): Node => {
    let out = node;
    while (['optional', 'default', 'nullable', 'readonly', 'pipe'].includes(out._zod.def.type)) out = (out._zod.def.innerType ?? out._zod.def.in)!;
    return out;
  };
  let node: Node | undefined = unwrap(schema as unknown as Node);
  for (const key of path) {
    const def: Def = node._zod.def;
    node = def.type === 'object' ? def.shape?.[String(key)] : def.type === 'array' ? def.element : def.type === 'record' ? def.valueType : undefined;
    if (!node) return [];
    node = unwrap(node);
  }
  return node._zod.def.type === 'object' ? Object.keys(node._zod.def.shape ?? {}) : [];
}

/** Every string inside `value`, with its path. */
function strings(value: unknown, path: KeyPath): { path: KeyPath; text: string }[] {
  if (typeof value === 'string') return [{ path, text: value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => strings(item, [...path, i]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => strings(item, [...path, key]));
  return [];
}

async function checkSteps(raw: readonly Record<string, unknown>[], problems: Problems, baseDir: string, kinds: readonly StepKind<unknown>[]): Promise<PlaybookStepPlan[]> {
  const plans: PlaybookStepPlan[] = [];
  const counts = new Map<string, number>();
  const keys = kinds.map((kind) => kind.key);
  for (const [index, entry] of raw.entries()) {
    const path: KeyPath = ['steps', index];
    const named = Object.keys(entry).filter((key) => key !== 'name');
    if (named.length !== 1) {
      if (named.length === 0) problems.add(path, `a step needs one step-kind key: ${keys.join(', ')}`);
      else problems.add([...path, named[1]!], `one step kind per step, this one has ${named.join(' and ')}: write them as separate steps`, 'key');
      continue;
    }
    const key = named[0]!;
    const kind = kinds.find((candidate) => candidate.key === key);
    if (!kind) {
      const guess = closestName(key, keys);
      problems.add([...path, key], `unknown step kind '${key}'${guess ? ` (did you mean '${guess}'?)` : ''}; the kinds are ${keys.join(', ')}`, 'key');
      continue;
    }
    const schema = stepEntrySchema(kind);
    const parsed = schema.safeParse(entry);
    if (!parsed.success) {
      problems.zod(path, parsed.error.issues, schema);
      continue;
    }
    const args = (parsed.data as Record<string, unknown>)[key];
    for (const problem of (await kind.validate?.(args, { baseDir, diff: false })) ?? []) problems.add([...path, key, ...problem.path], problem.message);
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    const title = (parsed.data as { name?: string }).name;
    plans.push({ id: `${key}#${n}`, kind, ...(title !== undefined ? { title } : {}), args });
  }
  return plans;
}

async function readInventory(file: string, problems: Problems, path: KeyPath): Promise<Inventory | undefined> {
  try {
    return await loadInventory(file);
  } catch (error) {
    if (!(error instanceof InventoryError)) throw error;
    if (error.line === 0) problems.add(path, `inventory ${file}: ${error.detail}`);
    else problems.list.push({ file: error.file, line: error.line, column: error.column, path: '', message: error.detail });
    return undefined;
  }
}

/** The names in `hosts:` that the inventory, ssh_config and host specs do not know. */
function checkHostNames(patterns: readonly string[], inventory: Inventory, aliases: ReadonlySet<string>, problems: Problems, path: KeyPath): void {
  const names = ['all', ...inventory.groups.keys(), ...inventory.hosts.keys()];
  for (const pattern of patterns) {
    const name = pattern.replace(/^[!&]/, '');
    if (/[@:]/.test(name) || /^[\d.]+$/.test(name) || aliases.has(name)) continue;
    const glob = new RegExp(`^${name.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    if (names.some((known) => glob.test(known))) continue;
    const guess = closestName(name, names);
    problems.add(path, `'${name}' is no host or group of ${inventory.file}${guess ? ` (did you mean '${guess}'?)` : ''}; its groups: ${[...inventory.groups.keys()].join(', ') || 'none'}`);
  }
}

/**
 * Every `{field}` of the steps' arguments must have a value on every selected host; when the
 * hosts are unknown (`selected` false), only a field that no candidate host has is reported.
 */
function checkFields(steps: readonly Record<string, unknown>[], vars: Shape['vars'], hosts: readonly Pick<HostTarget, 'name' | 'vars'>[], selected: boolean, problems: Problems): void {
  for (const [index, step] of steps.entries()) {
    const args = Object.entries(step).filter(([key]) => key !== 'name');
    for (const { path, text } of args.flatMap(([key, value]) => strings(value, ['steps', index, key]))) {
      for (const field of new Set(templateFields(text))) {
        const missing = hosts.filter((host, index) => !Object.hasOwn(fieldValues(vars ?? {}, host, index), field));
        if (missing.length === 0) continue;
        const everywhere = missing.length === hosts.length;
        if (!everywhere && !selected) continue;
        problems.add(path, `unknown field {${field}}: no playbook variable${everywhere ? ' or inventory variable' : `, and no inventory variable on ${missing.map((h) => h.name).join(', ')}`} is called ${field}; the fields are {host}, {index} and the variables (write {{ and }} for literal braces)`);
      }
    }
  }
}

/** Validates the playbook completely; throws PlaybookError with every problem, or returns it with its hosts. */
export async function validatePlaybook(source: PlaybookSource, options: ValidateOptions): Promise<{ playbook: Playbook; hosts: HostTarget[] }> {
  const problems = new Problems(source);
  const baseDir = dirname(source.file);
  const shape = PLAYBOOK_SHAPE.safeParse(source.data);
  if (!shape.success) problems.zod([], shape.error.issues, PLAYBOOK_SHAPE);
  const data = (shape.success ? shape.data : (source.data ?? {})) as Partial<Shape>;
  for (const name of Object.keys(data.vars ?? {}).filter((key) => key === 'host' || key === 'index')) problems.add(['vars', name], `'${name}' is a field every host has already ({${name}}); name the variable otherwise`, 'key');
  const entries = Array.isArray(data.steps) ? data.steps.map((entry) => (entry !== null && typeof entry === 'object' ? entry : {})) : [];
  const steps = await checkSteps(entries, problems, baseDir, options.kinds ?? STEP_KINDS);
  const inventoryFile = options.inventoryFile ?? (typeof data.inventory === 'string' ? resolve(baseDir, data.inventory) : undefined);
  const inventory = inventoryFile === undefined ? undefined : await readInventory(inventoryFile, problems, ['inventory']);
  const patterns = (typeof data.hosts === 'string' ? data.hosts.split(',') : Array.isArray(data.hosts) ? data.hosts.flatMap((h) => String(h).split(',')) : []).map((p) => p.trim()).filter(Boolean);
  const before = problems.list.length;
  if (inventory) checkHostNames(patterns, inventory, options.aliases, problems, ['hosts']);
  let hosts: HostTarget[] = [];
  if (shape.success && problems.list.length === before && (inventory || inventoryFile === undefined)) {
    try {
      hosts = await options.selectHosts(patterns, inventory);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      problems.add(['hosts'], error.message);
    }
  }
  // Without the selected hosts, a field no inventory host defines is still known to be wrong.
  const candidates = hosts.length > 0 ? hosts : inventory ? [...inventory.hosts.values()] : [{ name: '', vars: {} }];
  checkFields(entries, data.vars, candidates, hosts.length > 0, problems);
  const order = (problem: PlaybookProblem): number => (problem.file === source.file ? 0 : 1e9) + (problem.line ?? 1e8) * 1000 + (problem.column ?? 0);
  if (problems.list.length > 0) throw new PlaybookError(source.file, problems.list.sort((a, b) => order(a) - order(b)));
  const playbook: Playbook = {
    name: data.name!,
    file: source.file,
    baseDir,
    ...(inventory ? { inventory } : {}),
    ...(data.serial !== undefined ? { serial: data.serial as Serial } : {}),
    ...(data.max_fail_percentage !== undefined ? { maxFailPercentage: data.max_fail_percentage } : {}),
    vars: data.vars ?? {},
    steps,
  };
  return { playbook, hosts };
}
