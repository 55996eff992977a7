/**
 * The one argument parser of both CLIs (`cloudlet` and `cloudlet-tasks`), on node:util parseArgs.
 * An option is declared once, as a parseArgs option plus how the help shows it; the parse result is
 * typed from that declaration (a string option gives `string | undefined`, a multiple one
 * `string[] | undefined`, a boolean `boolean | undefined`), and the usage and help lines are derived
 * from it. parseArgs gives `-P4`, `-P 4`, `--parallel=4`, `--parallel 4`, `-nP4` and `--`.
 * Problems become a UsageError in our own words, worded per CLI through `Wording`.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../errors/cloudlet-error.js';

type ParseOption = NonNullable<ParseArgsConfig['options']>[string];

/** A parseArgs option plus how a help shows it: its value (default: its name in capitals) and one line of help. */
export type OptionSpec = ParseOption & { readonly placeholder?: string; readonly help?: string };
export type OptionSpecs = { readonly [long: string]: OptionSpec };

/** What parsing `args` against `O` gives: typed values and the words that are no option. */
export type ParsedArgs<O extends OptionSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;
export type ParsedValues<O extends OptionSpecs> = ParsedArgs<O>['values'];

/** How one CLI words a problem; `of` follows the option's name (e.g. ` of task 'run'`). */
export interface Wording {
  readonly of?: string;
  unknown?(option: string): string;
}

type Token = NonNullable<ReturnType<typeof parseArgs<{ options: OptionSpecs; tokens: true; strict: false }>>['tokens']>[number];

function tokensOf(args: readonly string[], options: OptionSpecs): Token[] {
  return parseArgs({ args: [...args], options, allowPositionals: true, strict: false, tokens: true }).tokens;
}

function check(token: Token, options: OptionSpecs, wording: Wording): void {
  if (token.kind !== 'option') return;
  const spec = Object.hasOwn(options, token.name) ? options[token.name] : undefined;
  if (!spec) throw new UsageError(wording.unknown?.(token.rawName) ?? `unknown option '${token.rawName}'`);
  if (spec.type === 'boolean' && token.value !== undefined) throw new UsageError(`option --${token.name}${wording.of ?? ''} takes no value`);
  if (spec.type === 'string' && token.value === undefined) throw new UsageError(`option --${token.name}${wording.of ?? ''} needs a value (${placeholderOf(token.name, spec)})`);
}

/**
 * Parses `args` against `options`: typed values and the positionals (those after `--` included).
 *
 * @example parseOptions(['-P4', 'x'], { parallel: { type: 'string', short: 'P' } }) // { values: { parallel: '4' }, positionals: ['x'] }
 */
export function parseOptions<O extends OptionSpecs>(args: readonly string[], options: O, wording: Wording = {}): ParsedArgs<O> {
  for (const token of tokensOf(args, options)) check(token, options, wording);
  try {
    const parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
    // A plain object: parseArgs gives one without a prototype.
    return { ...parsed, values: { ...parsed.values } };
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** A command line of the shape `[options] OPERAND [its own options and words] [-- rest]`. */
export interface OperandLine<O extends OptionSpecs> {
  /** The options of `options` wherever they stand (before `--`). */
  readonly values: ParsedValues<O>;
  /** The first word that is no option nor an option's value. */
  readonly operand?: string;
  /** What follows the operand and is not one of `options`: the operand's own options and words, as given. */
  readonly operandArgs: readonly string[];
  /** The words after `--`. */
  readonly rest: readonly string[];
}

/**
 * Splits `[options] OPERAND [operand options] [-- rest]`: before the operand only `options` may
 * stand; after it, `options` are still taken (so `TASK --help` works) and anything else is left,
 * in order, for the operand's own parser.
 *
 * @example parseOperandLine(['-P4', 'run', '--sudo', '--', 'id'], RUNNER_OPTIONS) // values { parallel: '4' }, operand 'run', operandArgs ['--sudo'], rest ['id']
 */
export function parseOperandLine<O extends OptionSpecs>(args: readonly string[], options: O, wording: Wording = {}): OperandLine<O> {
  const terminator = args.indexOf('--');
  const head = terminator === -1 ? [...args] : args.slice(0, terminator);
  const rest = terminator === -1 ? [] : args.slice(terminator + 1);
  const tokens = tokensOf(head, options);
  const operandAt = tokens.find((token) => token.kind === 'positional')?.index ?? head.length;
  const own = new Set<number>();
  const foreign = new Set<number>();
  for (const token of tokens) {
    if (token.kind !== 'option') continue;
    const known = Object.hasOwn(options, token.name);
    if (token.index < operandAt || known) check(token, options, wording);
    if (!known) foreign.add(token.index);
    else if (token.value !== undefined && !token.inlineValue) own.add(token.index).add(token.index + 1);
    else own.add(token.index);
  }
  const ownArgs = head.filter((_, index) => own.has(index) && !foreign.has(index));
  const operandArgs = head.filter((_, index) => index > operandAt && (!own.has(index) || foreign.has(index)));
  const { values } = parseOptions(ownArgs, options, wording);
  return { values, ...(operandAt < head.length ? { operand: head[operandAt]! } : {}), operandArgs, rest };
}

function placeholderOf(long: string, spec: OptionSpec): string {
  return spec.placeholder ?? long.toUpperCase();
}

/** The option in a one-line synopsis: `[--json]`, `[--tag TAG ...]`. */
export function optionSynopsis(long: string, spec: OptionSpec): string {
  if (spec.type === 'boolean') return `[--${long}]`;
  return `[--${long} ${placeholderOf(long, spec)}${spec.multiple ? ' ...' : ''}]`;
}

/** The option as a help row names it: `-P, --parallel N`, `    --json`. */
export function optionLabel(long: string, spec: OptionSpec): string {
  return `${spec.short ? `-${spec.short}, ` : '    '}--${long}${spec.type === 'string' ? ` ${placeholderOf(long, spec)}` : ''}`;
}

/** `-P/--parallel`: how a message names an option. */
export function optionName(long: string, spec: OptionSpec): string {
  return `${spec.short ? `-${spec.short}/` : ''}--${long}`;
}
