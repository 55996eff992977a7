/**
 * The contract of a `cloudlet` command module. A command declares its operands and options;
 * defineCommand parses them (args.ts, the parser both CLIs share) and derives the usage from the same
 * declaration, so the usage cannot drift from what is accepted. The command calls the SDK, renders
 * its progress events and returns an exit code: 0 ok, 1 the operation failed, 2 usage; dispatch
 * (commands.ts) maps thrown errors to those codes.
 */
import { errorData, UsageError } from '../errors/cloudlet-error.js';
import { PROGRESS_EVENT_VERSION } from '../progress/index.js';
import { optionSynopsis, parseOptions, type OptionSpecs, type ParsedArgs } from './args.js';

/** Where a command reads and writes, and the signal Ctrl-C fires. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
}

/** The options a command declares, for the parser both CLIs share (args.ts). */
export type { OptionSpecs } from './args.js';

export interface Command {
  name: string;
  /** One line, derived from the declaration: the command's synopsis, e.g. `list-base [--cloudlet-dir DIR] [--json]`. */
  usage: string;
  /** One line: what it does. */
  summary: string;
  /** The options it accepts (without --help, which dispatch answers for every command). */
  options: OptionSpecs;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Wrong arguments: exit code 2 with the command's usage. The one UsageError of both CLIs (code `usage`). */
export { UsageError } from '../errors/cloudlet-error.js';

/** The last stdout line of a command that fails under --json: `{"v":1,"kind":"error","error":{name, code, message, category, …fields}}`. */
export function jsonErrorLine(error: unknown): string {
  return `${JSON.stringify({ v: PROGRESS_EVENT_VERSION, kind: 'error', error: errorData(error) })}\n`;
}

type Parsed<O extends OptionSpecs> = ParsedArgs<O>;

export interface CommandSpec<O extends OptionSpecs> {
  name: string;
  summary: string;
  /** The positional arguments as the usage shows them; one in brackets (`[<vm>]`) is optional. */
  operands: readonly string[];
  options: O;
  run(parsed: Parsed<O>, io: CliIo): Promise<number>;
}

/** Options the registry commands take: where the registry lives, and JSON output. */
export const COMMON_OPTIONS = {
  'cloudlet-dir': { type: 'string', placeholder: 'DIR' },
  json: { type: 'boolean', default: false },
} as const satisfies OptionSpecs;

/** For commands that talk to libvirtd: its URI (default qemu:///system). */
export const CONNECT_OPTION = { connect: { type: 'string', placeholder: 'URI' } } as const satisfies OptionSpecs;

/**
 * A command whose arguments are parsed (UsageError on unknown options or a wrong operand count)
 * before `run` sees them.
 *
 * @example export const listBaseCommand = defineCommand({ name: 'list-base', summary: '…', operands: [], options: { ...COMMON_OPTIONS }, async run({ values }, io) { … } });
 */
export function defineCommand<O extends OptionSpecs>(spec: CommandSpec<O>): Command {
  const max = spec.operands.length;
  const min = spec.operands.filter((operand) => !operand.startsWith('[')).length;
  return {
    name: spec.name,
    summary: spec.summary,
    options: spec.options,
    usage: [spec.name, ...spec.operands, ...Object.entries(spec.options).map(([long, option]) => optionSynopsis(long, option))].join(' '),
    run: async (args, io) => spec.run(parseCommandArgs(args, spec.options, [min, max]), io),
  };
}

function parseCommandArgs<O extends OptionSpecs>(args: readonly string[], options: O, [min, max]: [number, number]): Parsed<O> {
  const parsed = parseOptions(args, options);
  const count = parsed.positionals.length;
  if (count < min) throw new UsageError(`missing argument${min - count > 1 ? 's' : ''}`);
  if (count > max) throw new UsageError(`unexpected argument '${parsed.positionals[max]}'`);
  return parsed;
}

/** The SDK's directory and libvirt options from --cloudlet-dir / CLOUDLET_DIR and --connect. */
export function sdkOptions(values: { 'cloudlet-dir'?: string | undefined; connect?: string | undefined }, io: CliIo): { cloudletDir?: string; libvirtUri?: string } {
  const cloudletDir = values['cloudlet-dir'] ?? io.env.CLOUDLET_DIR;
  return { ...(cloudletDir ? { cloudletDir } : {}), ...(values.connect ? { libvirtUri: values.connect } : {}) };
}

/** A positive integer option, or UsageError naming it. */
export function positiveInteger(name: string, value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) === 0) throw new UsageError(`--${name} must be a positive integer, not '${value}'`);
  return Number(value);
}
