// A playbook written in TypeScript or JavaScript (`cloudlet-tasks play lab.ts`): the same
// shape as a YAML playbook, built by code (loops over sites, values computed on the operator's
// machine), and validated the same way before any host is touched.
//
//   export default definePlaybook({
//     name: 'lab-a',
//     hosts: 'cloudlets',
//     serial: 2,
//     steps: [{ file: { path: '/etc/motd', content: 'lab-a {host}\n' } }, { run: { command: 'uptime' } }],
//   });

/** A variable's value: filled into `{name}` fields as text. */
export type PlaybookValue = string | number | boolean;

/** One step: exactly one step-kind key (`file`, `run`, …) with its arguments, and an optional title. */
export type PlaybookStep = { readonly name?: string } & { readonly [kind: string]: unknown };

/** A playbook, as YAML writes it; see the README's Playbooks section for every key. */
export interface PlaybookSpec {
  readonly name: string;
  /** Inventory hosts, groups or patterns (`lab*`, `cloudlets:!lab3`), or user@host specs without an inventory. */
  readonly hosts: string | readonly string[];
  /** The inventory file, relative to the playbook (`-i` overrides it). */
  readonly inventory?: string;
  /** Hosts per batch (a number, or a percentage such as "30%"); default all hosts in one batch. */
  readonly serial?: number | string;
  /** Stop the later batches when more than this percentage of a batch failed. */
  readonly max_fail_percentage?: number;
  /** Variables for `{name}` fields; a host's inventory variables of the same name win. */
  readonly vars?: Readonly<Record<string, PlaybookValue>>;
  readonly steps: readonly PlaybookStep[];
}

const PLAYBOOK_MARK = Symbol.for('cloudlet-tasks.playbook');

/** Declares a playbook; export it (default or named) from a `.ts`, `.mts` or `.js` file for `cloudlet-tasks play`. */
export function definePlaybook(spec: PlaybookSpec): PlaybookSpec {
  return Object.assign(Object.create({ [PLAYBOOK_MARK]: true }) as object, spec) as PlaybookSpec;
}

export function isPlaybook(value: unknown): value is PlaybookSpec {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[PLAYBOOK_MARK] === true;
}
