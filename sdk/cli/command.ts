/**
 * The contract of a `cloudlet` command module, and the argument parsing they share. A command
 * parses its own arguments, calls the SDK, renders its progress events and returns an exit code:
 * 0 ok, 1 the operation failed, 2 usage; dispatch (commands.ts) maps thrown errors to those codes.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Where a command reads and writes, and the signal Ctrl-C fires. */
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  stdin: NodeJS.ReadableStream;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
}

export interface Command {
  name: string;
  /** One line: the command's synopsis, e.g. `list-base [--json]`. */
  usage: string;
  /** One line: what it does. */
  summary: string;
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Wrong arguments: exit code 2 with the command's usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Parsed<O extends Options> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** Options every command takes: where the registry lives, and JSON output. */
export const COMMON_OPTIONS = {
  'cloudlet-dir': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const satisfies Options;

/** For commands that talk to libvirtd: its URI (default qemu:///system). */
export const CONNECT_OPTION = { connect: { type: 'string' } } as const satisfies Options;

/**
 * parseArgs with exactly `count` positionals ([min, max]), turning its errors into UsageError.
 *
 * @example const { values, positionals } = parseCommandArgs(args, { ...COMMON_OPTIONS }, [1, 1]);
 */
export function parseCommandArgs<O extends Options>(args: readonly string[], options: O, [min, max]: [number, number]): Parsed<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
