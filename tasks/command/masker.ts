// Secrets (passwords, `secret()` values) are replaced by `***` in every string that
// leaves the runner: events, logs, error messages, command output.

const MASK = '***';

/** Replaces registered secrets by `***`; the runner passes everything that leaves it through one. */
export class Masker {
  readonly #secrets = new Set<string>();

  /** Registers values to hide. */
  add(...values: readonly string[]): void {
    for (const value of values) if (value.length > 0) this.#secrets.add(value);
  }

  /** Returns `text` with every registered secret replaced by `***`. */
  mask(text: string): string {
    if (this.#secrets.size === 0) return text;
    let out = text;
    // Longest first, so a secret that contains another is hidden whole.
    for (const value of [...this.#secrets].sort((a, b) => b.length - a.length)) {
      out = out.split(value).join(MASK);
    }
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
