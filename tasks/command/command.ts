// A command is a value: the exact text the remote shell runs, plus the secrets inside it
// so every display of it (logs, events, errors) can be masked.
import { quoteWord } from '../../native/shell-quote.js';

/** A value that must never appear in output. Create with `secret()`. */
export class Secret {
  readonly #value: string;
  constructor(value: string) {
    this.#value = value;
  }
  /** The value itself, for the command text only; never print it. */
  reveal(): string {
    return this.#value;
  }
  /** `***`: a secret in a template string or a log line stays hidden. */
  toString(): string {
    return '***';
  }
  /** `***`, in JSON too. */
  toJSON(): string {
    return '***';
  }
}

/** Marks a value as secret: it is quoted into the command but shown as `***`. */
export function secret(value: string): Secret {
  return new Secret(value);
}

/** Text that is inserted unquoted, for trusted fragments such as `2>&1`. */
export class RawFragment {
  constructor(readonly text: string) {}
}

/** Inserts trusted shell syntax as is. Never pass user data through it. */
export function raw(text: string): RawFragment {
  return new RawFragment(text);
}

/**
 * A command as a value: the text the shell runs and the secrets inside it. Make one with `sh`:
 * only commands made by `sh` nest unquoted in another; any other object is quoted as data.
 */
export interface Command {
  /** What the remote shell runs. */
  readonly text: string;
  /** Values to mask wherever the command or its output is shown. */
  readonly secrets: readonly string[];
}

/** What `sh` accepts inside `${}`: strings and numbers (quoted), secret(), raw(), commands and arrays of these. */
export type CommandValue = string | number | Secret | RawFragment | Command | readonly CommandValue[];

// Only commands made here may be inserted unquoted. A shape check would let data shaped like a
// command (an inventory map `{ text, secrets }`) inject shell text, so the mark is private.
const built = new WeakSet<object>();

function command(text: string, secrets: readonly string[]): Command {
  const made = Object.freeze({ text, secrets: Object.freeze([...secrets]) });
  built.add(made);
  return made;
}

function render(value: CommandValue, secrets: string[]): string {
  if (typeof value === 'string') return quoteWord(value);
  if (typeof value === 'number') return quoteWord(String(value));
  if (value instanceof Secret) {
    secrets.push(value.reveal());
    return quoteWord(value.reveal());
  }
  if (value instanceof RawFragment) return value.text;
  if (built.has(value)) {
    secrets.push(...(value as Command).secrets);
    return (value as Command).text;
  }
  if (Array.isArray(value)) return value.map((item: CommandValue) => render(item, secrets)).join(' ');
  // Anything else reached here past the types (inventory variables are untyped): data, quoted as its JSON text.
  return quoteWord(JSON.stringify(value) ?? String(value));
}

/**
 * Builds a command; every interpolated value is quoted, arrays become several words,
 * nested commands (made by `sh`) are inserted as they are.
 *
 * @example sh`apt-get install -y ${['qemu-utils', 'xz-utils']}`
 */
export function sh(strings: TemplateStringsArray, ...values: CommandValue[]): Command {
  const secrets: string[] = [];
  let text = strings[0] ?? '';
  values.forEach((value, i) => {
    text += render(value, secrets) + (strings[i + 1] ?? '');
  });
  return command(text, secrets);
}

/** Accepts a ready command or plain text that the caller wrote as is. */
export function toCommand(given: Command | string): Command {
  return typeof given === 'string' ? command(given, []) : given;
}
