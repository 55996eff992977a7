// Secrets (passwords, `secret()` values) are replaced by `***` in every string that
// leaves the runner: events, logs, error messages, command output. A secret is hidden in
// every form it takes on the way, not only as typed: shell-quoted as `sh` quotes it (a `'`
// becomes `'\''`), quoted again by each `sh -c` that wraps a command (remote guard, sudo),
// JSON-escaped (a newline becomes `\n`, also with non-ASCII as `\uXXXX`) and base64.
import { quoteWord } from '../../native/shell-quote.js';

const MASK = '***';

/** How many times a secret is quoted at most: by `sh`, then by the `sh -c '…'` of the remote guard and of sudo. */
const SHELL_NESTING = 3;

function jsonEscaped(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function asciiJsonEscaped(text: string): string {
  return jsonEscaped(text).replace(/[^\x00-\x7f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every text a secret may turn into on its way to the output. */
function formsOf(value: string): string[] {
  const quoted = [quoteWord(value)];
  for (let level = 1; level < SHELL_NESTING; level += 1) quoted.push(quoted[level - 1]!.replace(/'/g, `'\\''`));
  const texts = [value, ...quoted];
  // Output is shown line by line, so each line of a multi-line secret is hidden on its own.
  const lines = value.includes('\n') ? value.split(/\r?\n/).filter((line) => line.trim() !== '') : [];
  return [...texts, ...texts.map(jsonEscaped), ...texts.map(asciiJsonEscaped), Buffer.from(value).toString('base64'), ...lines];
}

/** Replaces registered secrets by `***`; the runner passes everything that leaves it through one. */
export class Masker {
  readonly #secrets = new Set<string>();
  #ordered: string[] = [];

  /** Registers values to hide, in every form they can take (see the file's header). */
  add(...values: readonly string[]): void {
    const before = this.#secrets.size;
    for (const value of values) if (value.length > 0) for (const form of formsOf(value)) this.#secrets.add(form);
    if (this.#secrets.size === before) return;
    // Longest first, so a form that contains another is hidden whole.
    this.#ordered = [...this.#secrets].sort((a, b) => b.length - a.length);
  }

  /** Returns `text` with every registered secret replaced by `***`. */
  mask(text: string): string {
    let out = text;
    for (const form of this.#ordered) out = out.split(form).join(MASK);
    return out;
  }

  /** Masks every string inside a JSON-like value. */
  maskDeep<T>(value: T): T {
    if (typeof value === 'string') return this.mask(value) as T;
    if (Array.isArray(value)) return value.map((item) => this.maskDeep(item)) as T;
    if (value instanceof Error) return value;
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) out[key] = this.maskDeep(item);
      return out as T;
    }
    return value;
  }
}
