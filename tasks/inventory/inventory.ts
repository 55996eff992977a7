// The YAML inventory: hosts, groups, and variables for all hosts, per group and per host.
//
//   vars: { key: value }                 # every host
//   hosts:                               # hosts outside any group
//     lab1: { address: 10.0.0.11, port: 22, user: ops, identity_file: ~/.ssh/lab,
//             proxy_jump: bastion, vars: { key: value } }
//   groups:
//     lab:
//       vars: { key: value }             # hosts of this group
//       hosts: { lab2: { address: 10.0.0.12 }, lab1: null }   # or a list of names
//
// Every error names the file, line and column of the offending value.
import { readFile } from 'node:fs/promises';
import { LineCounter, isMap, isSeq, parseDocument, type Document } from 'yaml';
import { InventoryError } from '../errors.js';
import { parsePort } from './host-target.js';

export interface InventoryHost {
  readonly name: string;
  readonly address?: string;
  readonly port?: number;
  readonly user?: string;
  readonly identityFile?: string;
  readonly proxyJump?: string;
  readonly vars: Record<string, unknown>;
  readonly groups: string[];
}

export interface Inventory {
  readonly file: string;
  readonly hosts: ReadonlyMap<string, InventoryHost>;
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

const HOST_KEYS = new Set(['address', 'port', 'user', 'identity_file', 'proxy_jump', 'vars']);
const GROUP_KEYS = new Set(['vars', 'hosts']);
const TOP_KEYS = new Set(['vars', 'hosts', 'groups']);
const NAME = /^[A-Za-z0-9_.-]+$/;

type Path = (string | number)[];
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

class Checker {
  constructor(
    private readonly file: string,
    private readonly doc: Document,
    private readonly lines: LineCounter,
  ) {}

  fail(path: Path, detail: string, at: 'value' | 'key' = 'value'): never {
    const node = at === 'key' ? this.keyNode(path) : path.length > 0 ? this.doc.getIn(path, true) : this.doc.contents;
    const offset = (node as { range?: [number, number, number] } | undefined)?.range?.[0] ?? 0;
    const { line, col } = this.lines.linePos(offset);
    throw new InventoryError(this.file, line, col, `${path.join('.') || '(top)'}: ${detail}`);
  }

  private keyNode(path: Path): unknown {
    const parent = path.length > 1 ? this.doc.getIn(path.slice(0, -1), true) : this.doc.contents;
    if (!isMap(parent)) return undefined;
    return parent.items.find((pair) => (pair.key as { value?: unknown } | null)?.value === path[path.length - 1])?.key;
  }

  object(value: unknown, path: Path, keys: Set<string>): Record<string, unknown> {
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'must be a mapping');
    for (const key of Object.keys(value)) {
      if (!keys.has(key)) this.fail([...path, key], `unknown key '${key}'; expected one of ${[...keys].join(', ')}`, 'key');
    }
    return value as Record<string, unknown>;
  }

  vars(value: unknown, path: Path): Record<string, unknown> {
    if (value === null || value === undefined) return {};
    if (typeof value !== 'object' || Array.isArray(value)) this.fail(path, 'vars must be a mapping');
    return value as Record<string, unknown>;
  }

  text(value: unknown, path: Path): string | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') this.fail(path, 'must be a non-empty string');
    return value;
  }

  name(value: string, path: Path): string {
    if (!NAME.test(value)) this.fail(path, `'${value}' is not a valid name (letters, digits, _ . -)`);
    return value;
  }
}

function mergeHost(check: Checker, hosts: Map<string, Mutable<InventoryHost>>, name: string, raw: unknown, path: Path, group?: string): void {
  const entry = check.object(raw, path, HOST_KEYS);
  const host: Mutable<InventoryHost> = hosts.get(name) ?? { name, vars: {}, groups: [] };
  const fields: [keyof InventoryHost, string][] = [
    ['address', 'address'],
    ['user', 'user'],
    ['identityFile', 'identity_file'],
    ['proxyJump', 'proxy_jump'],
  ];
  for (const [field, key] of fields) {
    const value = check.text(entry[key], [...path, key]);
    if (value === undefined) continue;
    if (host[field] !== undefined && host[field] !== value) check.fail([...path, key], `conflicts with an earlier definition of host '${name}'`);
    (host as Record<string, unknown>)[field] = value;
  }
  if (entry['port'] !== undefined && entry['port'] !== null) {
    const port = tryPort(check, entry['port'], [...path, 'port']);
    if (host.port !== undefined && host.port !== port) check.fail([...path, 'port'], `conflicts with an earlier definition of host '${name}'`);
    host.port = port;
  }
  Object.assign(host.vars, check.vars(entry['vars'], [...path, 'vars']));
  if (group !== undefined) host.groups.push(group);
  hosts.set(name, host);
}

function tryPort(check: Checker, value: unknown, path: Path): number {
  try {
    return parsePort(value as string | number, 'port');
  } catch {
    return check.fail(path, `port must be an integer from 1 to 65535, got '${String(value)}'`);
  }
}

/** Parses inventory text; `file` is used in error messages. */
export function parseInventory(text: string, file: string): Inventory {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    const { line, col } = lines.linePos(error.pos[0]);
    throw new InventoryError(file, line, col, `not valid YAML: ${error.message.split('\n')[0]}`);
  }
  const check = new Checker(file, doc, lines);
  const top = check.object(doc.toJS(), [], TOP_KEYS);
  const globalVars = check.vars(top['vars'], ['vars']);
  const hosts = new Map<string, Mutable<InventoryHost>>();
  const groups = new Map<string, string[]>();

  for (const [name, raw] of Object.entries(check.object(top['hosts'], ['hosts'], new Set(Object.keys(top['hosts'] ?? {}))))) {
    mergeHost(check, hosts, check.name(name, ['hosts', name]), raw, ['hosts', name]);
  }
  const groupVars = new Map<string, Record<string, unknown>>();
  const rawGroups = check.object(top['groups'], ['groups'], new Set(Object.keys(top['groups'] ?? {})));
  for (const [group, rawGroup] of Object.entries(rawGroups)) {
    const path = ['groups', check.name(group, ['groups', group])];
    const entry = check.object(rawGroup, path, GROUP_KEYS);
    groupVars.set(group, check.vars(entry['vars'], [...path, 'vars']));
    const members: string[] = [];
    const node = doc.getIn([...path, 'hosts'], true);
    if (isSeq(node)) {
      (entry['hosts'] as unknown[]).forEach((name, i) => {
        const hostName = check.name(check.text(name, [...path, 'hosts', i]) ?? '', [...path, 'hosts', i]);
        mergeHost(check, hosts, hostName, null, [...path, 'hosts', i], group);
        members.push(hostName);
      });
    } else if (isMap(node) || entry['hosts'] === undefined || entry['hosts'] === null) {
      for (const [name, raw] of Object.entries((entry['hosts'] ?? {}) as Record<string, unknown>)) {
        mergeHost(check, hosts, check.name(name, [...path, 'hosts', name]), raw, [...path, 'hosts', name], group);
        members.push(name);
      }
    } else {
      check.fail([...path, 'hosts'], 'hosts must be a mapping of host names or a list of names');
    }
    groups.set(group, members);
  }
  for (const group of groups.keys()) {
    if (hosts.has(group)) check.fail(['groups', group], `'${group}' is the name of both a group and a host`);
  }

  for (const host of hosts.values()) {
    const merged = { ...globalVars };
    for (const group of host.groups) Object.assign(merged, groupVars.get(group));
    host.vars = Object.assign(merged, host.vars);
  }
  return { file, hosts, groups };
}

export async function loadInventory(file: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new InventoryError(file, 0, 0, `cannot read inventory: ${(error as Error).message}`);
  }
  return parseInventory(text, file);
}
